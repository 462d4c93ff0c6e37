import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { UserSampleRecord } from '../services/dataset.service.js';
import type { Page } from '../services/page-cursor.js';
import { PageInfo } from './page.type.js';

@ObjectType({ description: 'A labelled drawing: a training sample from the user dataset.' })
export class UserSample {
  @Field(() => ID, { description: 'The id of the prediction it comes from.' })
  id!: string;

  @Field(() => Int, { description: 'The true digit.' })
  label!: number;

  @Field(() => Int, { description: 'What the model answered when the drawing was classified.' })
  digit!: number;

  @Field(() => [Float], { description: '784 values in [0,1], row-major 28x28, white ink (1) on black (0).' })
  pixels!: number[];

  @Field()
  createdAt!: Date;

  @Field()
  labeledAt!: Date;
}

@ObjectType()
export class UserSampleEdge {
  @Field()
  cursor!: string;

  @Field(() => UserSample)
  node!: UserSample;
}

@ObjectType({ description: 'A page of labelled drawings, newest first.' })
export class UserSampleConnection {
  @Field(() => [UserSampleEdge])
  edges!: UserSampleEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}

@ObjectType({ description: 'How many samples of each digit a dataset holds.' })
export class ClassCounts {
  @Field(() => Int)
  total!: number;

  @Field(() => [Int], { description: 'Ten counts, index = digit.' })
  perClass!: number[];
}

@ObjectType({ description: 'Class balance of the data the models learn from and are tested on.' })
export class DatasetStats {
  @Field(() => ClassCounts, { description: 'The 60,000 MNIST training digits.' })
  mnistTrain!: ClassCounts;

  @Field(() => ClassCounts, { description: 'The 10,000 MNIST test digits.' })
  mnistTest!: ClassCounts;

  @Field(() => ClassCounts, { description: "Every client's labelled drawings: the user dataset training reads." })
  user!: ClassCounts;

  @Field(() => ClassCounts, { description: "The caller's own labelled drawings." })
  mine!: ClassCounts;
}

export const toClassCounts = (perClass: number[]): ClassCounts =>
  Object.assign(new ClassCounts(), { total: perClass.reduce((a, b) => a + b, 0), perClass });

const toUserSample = (record: UserSampleRecord): UserSample =>
  Object.assign(new UserSample(), {
    id: record.id,
    label: record.label,
    digit: record.digit,
    pixels: Array.from(record.pixels, (byte) => byte / 255),
    createdAt: record.createdAt,
    labeledAt: record.labeledAt,
  });

export function toUserSampleConnection(page: Page<UserSampleRecord>): UserSampleConnection {
  return Object.assign(new UserSampleConnection(), {
    edges: page.edges.map((edge) => Object.assign(new UserSampleEdge(), { cursor: edge.cursor, node: toUserSample(edge.node) })),
    pageInfo: Object.assign(new PageInfo(), { hasNextPage: page.hasNextPage, endCursor: page.endCursor }),
    totalCount: page.totalCount,
  });
}
