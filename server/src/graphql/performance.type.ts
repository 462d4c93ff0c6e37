import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Viewer } from '../services/access.js';
import type { PerformanceQuery, TimeBucket } from '../services/performance.service.js';
import { ModelVersion } from './model-version.type.js';

export enum TimeBucketValue {
  HOUR = 'hour',
  DAY = 'day',
  WEEK = 'week',
  MONTH = 'month',
}
registerEnumType(TimeBucketValue, {
  name: 'TimeBucket',
  description: 'Width of the `overTime` buckets, chosen from the time range (hours up to 2 days, days up to 90, weeks up to 3 years).',
});

@ObjectType({ description: "One digit's figures, from the labels." })
export class ClassPerformance {
  @Field(() => Int)
  digit!: number;

  @Field(() => Float, { nullable: true, description: 'Of the drawings the model called `digit`, the share labelled `digit`; null if it never answered `digit`.' })
  precision!: number | null;

  @Field(() => Float, { nullable: true, description: 'Of the drawings labelled `digit`, the share the model got right; null without any.' })
  recall!: number | null;

  @Field(() => Float, { nullable: true, description: 'Harmonic mean of precision and recall; null when either is null.' })
  f1!: number | null;

  @Field(() => Int, { description: 'Drawings labelled `digit`.' })
  support!: number;
}

@ObjectType({ description: 'Labelled predictions made within one time bucket.' })
export class PerformanceBucket {
  @Field({ description: 'Start of the bucket (UTC; weeks start on Monday).' })
  bucketStart!: Date;

  @Field(() => Int)
  count!: number;

  @Field(() => Int)
  correctCount!: number;

  @Field(() => Float, { description: 'correctCount / count.' })
  accuracy!: number;
}

@ObjectType({ description: "One model version's figures on the labelled drawings it answered." })
export class ModelPerformance {
  @Field(() => ModelVersion)
  model!: ModelVersion;

  @Field(() => Int)
  labeledCount!: number;

  @Field(() => Int)
  correctCount!: number;

  @Field(() => Float, { nullable: true, description: 'correctCount / labeledCount; null without labels.' })
  accuracy!: number | null;
}

@ObjectType({ description: 'Labelled predictions whose confidence falls in [lo, hi) (the last bin includes 1).' })
export class ConfidenceBin {
  @Field(() => Float)
  lo!: number;

  @Field(() => Float)
  hi!: number;

  @Field(() => Int, { description: 'Of those, how many the model got right.' })
  correct!: number;

  @Field(() => Int, { description: 'And how many it got wrong.' })
  wrong!: number;
}

@ObjectType({ description: 'How sure the model was when it was right and when it was wrong.' })
export class ConfidenceDistribution {
  @Field(() => [ConfidenceBin], { description: 'Twenty bins 0.05 wide, lowest confidence first.' })
  bins!: ConfidenceBin[];

  @Field(() => Float, { nullable: true, description: 'Mean confidence of the right answers; null without any.' })
  meanWhenCorrect!: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean confidence of the wrong answers; null without any.' })
  meanWhenWrong!: number | null;
}

@ObjectType({ description: 'How the models do on labelled drawings (the labels are the truth).' })
export class Performance {
  /** Who asked and the filters: for the fields computed only when asked for (not in the schema). */
  scope!: { viewer: Viewer; query: PerformanceQuery };

  @Field(() => Int, { description: 'Labelled predictions counted.' })
  labeledCount!: number;

  @Field(() => Int, { description: 'Of those, how many the model got right.' })
  correctCount!: number;

  @Field(() => Float, { nullable: true, description: 'correctCount / labeledCount; null without labels.' })
  accuracy!: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean F1 over the digits that have one.' })
  macroF1!: number | null;

  @Field(() => [ClassPerformance], { description: 'Ten entries, digit 0 to 9.' })
  perClass!: ClassPerformance[];

  @Field(() => [[Int]], { description: '10x10 counts: row = true label, column = the model\'s answer.' })
  confusionMatrix!: number[][];

  @Field(() => TimeBucketValue)
  bucket!: TimeBucket;

  @Field(() => [PerformanceBucket], { description: 'Buckets with at least one labelled prediction, oldest first.' })
  overTime!: PerformanceBucket[];

  @Field(() => [ModelPerformance], { description: 'Each model version that answered labelled drawings, most labelled first.' })
  byModel!: ModelPerformance[];
}
