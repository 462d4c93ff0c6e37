import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { InputKind } from '../db/entities/prediction.entity.js';
import type { PredictionRecord } from '../services/prediction.record.js';
import { ModelVersion } from './model-version.type.js';

export enum InputKindValue {
  STROKES = 'strokes',
  IMAGE = 'image',
  PIXELS = 'pixels',
}
registerEnumType(InputKindValue, {
  name: 'InputKind',
  description: 'Which field of DrawingInput the prediction was made from.',
});

@ObjectType({ description: "The model's answer for one drawing, as stored." })
export class Prediction {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { description: 'The most probable digit, 0 to 9.' })
  digit!: number;

  @Field(() => Float, { description: 'Probability of `digit`, from 0 to 1.' })
  confidence!: number;

  @Field(() => [Float], { description: 'Ten probabilities, index = digit; they sum to 1.' })
  probabilities!: number[];

  @Field(() => Int, { nullable: true, description: 'The true digit, once someone labelled the drawing.' })
  label!: number | null;

  /** 784 bytes, ink 255, as stored; turned into floats only when `pixels` is asked for. */
  pixelBytes!: Uint8Array;

  @Field(() => [Float], {
    description: 'The 28x28 input the model saw: 784 values in [0,1], row-major, white ink (1) on black (0).',
  })
  get pixels(): number[] {
    return Array.from(this.pixelBytes, (byte) => byte / 255);
  }

  @Field(() => InputKindValue)
  inputKind!: InputKind;

  /** Resolved to `model` by the resolver. */
  modelVersionId!: string;

  /** Who made it; never shown, resolved to `mine`. */
  clientId!: string | null;

  @Field(() => ModelVersion, { description: 'The model version that answered.' })
  model?: ModelVersion;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  labeledAt!: Date | null;
}

export function toPrediction(record: PredictionRecord): Prediction {
  return Object.assign(new Prediction(), {
    id: record.id,
    digit: record.digit,
    confidence: record.confidence,
    probabilities: record.probabilities,
    label: record.label,
    pixelBytes: record.pixels,
    inputKind: record.inputKind,
    modelVersionId: record.modelVersionId,
    clientId: record.clientId,
    createdAt: record.createdAt,
    labeledAt: record.labeledAt,
  });
}
