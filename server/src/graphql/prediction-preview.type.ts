import { Field, Float, Int, ObjectType } from 'type-graphql';
import type { PredictionPreviewRecord } from '../services/prediction.record.js';
import { ModelVersion } from './model-version.type.js';

@ObjectType({
  description: "The model's answer for a drawing, not stored: what `classify` would answer for it, for live feedback while drawing.",
})
export class PredictionPreview {
  @Field(() => Int, { description: 'The most probable digit, 0 to 9.' })
  digit!: number;

  @Field(() => Float, { description: 'Probability of `digit`, from 0 to 1.' })
  confidence!: number;

  @Field(() => [Float], { description: 'Ten probabilities, index = digit; they sum to 1.' })
  probabilities!: number[];

  @Field(() => [Float], {
    description: 'The 28x28 input the model saw: 784 values in [0,1], row-major, white ink (1) on black (0).',
  })
  pixels!: number[];

  /** Resolved to `model` by the resolver. */
  modelVersionId!: string;

  @Field(() => ModelVersion, { description: 'The model version that answered.' })
  model?: ModelVersion;
}

export function toPredictionPreview(record: PredictionPreviewRecord): PredictionPreview {
  return Object.assign(new PredictionPreview(), {
    digit: record.digit,
    confidence: record.confidence,
    probabilities: record.probabilities,
    // The same bytes classify would store, so the same values it would answer.
    pixels: Array.from(record.pixels, (byte) => byte / 255),
    modelVersionId: record.modelVersionId,
  });
}
