import { Field, Int, ObjectType } from 'type-graphql';
import type { Page } from '../services/page-cursor.js';
import type { PredictionRecord } from '../services/prediction.record.js';
import { PageInfo } from './page.type.js';
import { Prediction, toPrediction } from './prediction.type.js';

@ObjectType()
export class PredictionEdge {
  @Field({ description: 'Pass as `after` to get the predictions older than this one.' })
  cursor!: string;

  @Field(() => Prediction)
  node!: Prediction;
}

@ObjectType({ description: 'A page of predictions, newest first.' })
export class PredictionConnection {
  @Field(() => [PredictionEdge])
  edges!: PredictionEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Predictions matching the filter, over all pages.' })
  totalCount!: number;
}

export function toPredictionConnection(page: Page<PredictionRecord>): PredictionConnection {
  return Object.assign(new PredictionConnection(), {
    edges: page.edges.map((edge) => Object.assign(new PredictionEdge(), { cursor: edge.cursor, node: toPrediction(edge.node) })),
    pageInfo: Object.assign(new PageInfo(), { hasNextPage: page.hasNextPage, endCursor: page.endCursor }),
    totalCount: page.totalCount,
  });
}
