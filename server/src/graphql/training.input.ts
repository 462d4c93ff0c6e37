import { Field, Float, InputType, Int } from 'type-graphql';
import { TRAINING_PARAM_DEFAULTS as D, TRAINING_PARAM_RANGES as R, WARM_START_DEFAULTS as W } from '../services/training-params.js';

const range = (r: { min: number; max: number }): string => `${r.min} to ${r.max}`;

// Ranges are checked by the service (one message format for every caller);
// the descriptions state them so the IDE shows them.
@InputType({ description: 'How to train a new model version. Every field is optional; omitted ones take the default shown.' })
export class TrainingInput {
  @Field(() => Int, { nullable: true, description: `Passes over the training set, ${range(R.epochs)}. Default ${W.epochs} for a warm start, else ${D.epochs}.` })
  epochs?: number | null;

  @Field(() => Int, { nullable: true, description: `Samples per gradient step, ${range(R.batchSize)}. Default ${D.batchSize}.` })
  batchSize?: number | null;

  @Field(() => Float, { nullable: true, description: `Peak Adam step size, ${range(R.learningRate)}. Default ${W.learningRate} for a warm start, else ${D.learningRate}.` })
  learningRate?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: `How many MNIST training digits to use (the first n), ${range(R.mnistLimit)}; 0 trains on labelled drawings only. Default ${D.mnistLimit}.`,
  })
  mnistLimit?: number | null;

  @Field(() => Boolean, {
    nullable: true,
    description: `Train on the labelled drawings too (all but the 20% validation holdout). Default ${D.includeUserData}.`,
  })
  includeUserData?: boolean | null;

  @Field(() => Float, {
    nullable: true,
    description: `How much a labelled drawing weighs in the loss against one MNIST digit, ${range(R.userSampleWeight)}; 0 keeps drawings out of training. Default ${D.userSampleWeight}.`,
  })
  userSampleWeight?: number | null;

  @Field(() => Boolean, { nullable: true, description: `Random shifts, rotations, scaling and stroke width. Default ${D.augment}.` })
  augment?: boolean | null;

  @Field(() => Int, {
    nullable: true,
    description: `Seed of initialisation, data order and augmentation, ${range(R.seed)}; the same seed and data give the same model. Default: random, recorded in \`params\`.`,
  })
  seed?: number | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'Fine-tune the version active when the job starts (its weights, recorded as `lineage.warmStartFrom`) instead of training from fresh weights. Default true when a version is active; true with none active is refused.',
  })
  warmStart?: boolean | null;
}
