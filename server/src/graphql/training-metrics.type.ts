import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum EvaluationSplitValue {
  MNIST_TEST = 'mnistTest',
  USER_HOLDOUT = 'userHoldout',
}
registerEnumType(EvaluationSplitValue, {
  name: 'EvaluationSplit',
  description: 'Which data a figure was measured on.',
  valuesConfig: {
    MNIST_TEST: { description: 'The 10,000 MNIST test digits.' },
    USER_HOLDOUT: { description: "The labelled drawings held out of training (20%, chosen by a hash of the prediction id)." },
  },
});

@ObjectType({ description: "One digit's figures on an evaluation set." })
export class ClassMetrics {
  @Field(() => Int)
  digit!: number;

  @Field(() => Float)
  precision!: number;

  @Field(() => Float, { description: 'Also the accuracy on this digit.' })
  recall!: number;

  @Field(() => Float)
  f1!: number;

  @Field(() => Int, { description: 'Samples of this digit in the set.' })
  support!: number;

  @Field(() => Float, { nullable: true, description: 'Area under the one-vs-rest ROC curve; null without positives and negatives.' })
  rocAuc!: number | null;

  @Field(() => Float, { nullable: true, description: 'Area under the precision-recall curve (average precision).' })
  averagePrecision!: number | null;
}

@ObjectType({ description: 'An off-diagonal cell of a confusion matrix: samples of `actual` taken for `predicted`.' })
export class ConfusionCell {
  @Field(() => Int)
  actual!: number;

  @Field(() => Int)
  predicted!: number;

  @Field(() => Int)
  count!: number;

  @Field(() => [Int], { description: 'MNIST test indices of a few examples (MNIST_TEST).' })
  mnistTestIndices!: number[];

  @Field(() => [ID], { description: 'Prediction ids of a few examples (USER_HOLDOUT).' })
  predictionIds!: string[];
}

@ObjectType({ description: 'Counts of actual (row) against predicted (column) digits.' })
export class ConfusionMatrix {
  @Field(() => EvaluationSplitValue)
  split!: EvaluationSplitValue;

  @Field(() => [[Int]], { description: '`counts[actual][predicted]`, 10 × 10.' })
  counts!: number[][];

  @Field(() => [ConfusionCell], { description: 'The non-empty off-diagonal cells, with examples.' })
  cells!: ConfusionCell[];
}

@ObjectType()
export class RocPoint {
  @Field(() => Float, { description: 'False positive rate.' })
  fpr!: number;

  @Field(() => Float, { description: 'True positive rate.' })
  tpr!: number;

  @Field(() => Float, { nullable: true, description: 'Score threshold; null for the (0, 0) start.' })
  threshold!: number | null;
}

@ObjectType()
export class PrPoint {
  @Field(() => Float)
  recall!: number;

  @Field(() => Float)
  precision!: number;

  @Field(() => Float)
  threshold!: number;
}

@ObjectType({ description: "One digit's one-vs-rest ROC and precision-recall curves (downsampled)." })
export class ClassCurves {
  @Field(() => Int)
  digit!: number;

  @Field(() => Float, { nullable: true })
  rocAuc!: number | null;

  @Field(() => Float, { nullable: true })
  averagePrecision!: number | null;

  @Field(() => [RocPoint])
  roc!: RocPoint[];

  @Field(() => [PrPoint])
  pr!: PrPoint[];
}

@ObjectType({ description: 'Samples whose top probability fell in [lo, hi).' })
export class CalibrationBin {
  @Field(() => Float)
  lo!: number;

  @Field(() => Float)
  hi!: number;

  @Field(() => Int)
  count!: number;

  @Field(() => Float, { nullable: true, description: 'Mean top probability; null for an empty bin.' })
  meanConfidence!: number | null;

  @Field(() => Float, { nullable: true, description: 'Share of them classified right; null for an empty bin.' })
  accuracy!: number | null;
}

@ObjectType({ description: 'Reliability of the probabilities: confidence against accuracy.' })
export class Calibration {
  @Field(() => EvaluationSplitValue)
  split!: EvaluationSplitValue;

  @Field(() => Float, { description: 'Expected calibration error: Σ (n_b / n) |accuracy_b − confidence_b|.' })
  ece!: number;

  @Field(() => [CalibrationBin])
  bins!: CalibrationBin[];
}

@ObjectType({ description: 'Training and validation figures at the end of one epoch.' })
export class EpochMetrics {
  @Field(() => Int)
  epoch!: number;

  @Field(() => Float, { description: 'Mean training cross-entropy (nats).' })
  loss!: number;

  @Field(() => Float)
  accuracy!: number;

  @Field(() => Float, { nullable: true })
  valLoss!: number | null;

  @Field(() => Float, { nullable: true })
  valAccuracy!: number | null;

  @Field(() => Int)
  durationMs!: number;
}

@ObjectType({ description: 'Whether a trained version was activated automatically, and why.' })
export class PromotionDecision {
  @Field({ description: 'True when it became active on its own.' })
  promoted!: boolean;

  @Field()
  reason!: string;

  @Field(() => ID, { nullable: true, description: 'The version it was compared with.' })
  comparedWithId!: string | null;
}
