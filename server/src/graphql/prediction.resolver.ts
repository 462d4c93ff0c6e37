import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { apiError, ErrorCode } from '../errors.js';
import { mayWatch, owns } from '../services/access.js';
import type { ModelService } from '../services/model.service.js';
import { fromPayload } from '../services/prediction.record.js';
import type { PredictionService } from '../services/prediction.service.js';
import type { Context } from './context.js';
import { DrawingInput } from './drawing.input.js';
import { ModelVersion, toModelVersion } from './model-version.type.js';
import { Prediction, toPrediction } from './prediction.type.js';
import { Topic, type PredictionAddedPayload } from './pubsub.js';

@Resolver(() => Prediction)
export class PredictionResolver {
  constructor(
    private readonly predictions: PredictionService,
    private readonly models: ModelService,
  ) {}

  @Query(() => Prediction, {
    nullable: true,
    description: "One of the caller's predictions, or null when there is none with this id (or it is another client's).",
  })
  async prediction(@Arg('id', () => ID) id: string, @Ctx() context: Context): Promise<Prediction | null> {
    const record = await this.predictions.findById(id);
    return record && owns(context, record.clientId) ? toPrediction(record) : null;
  }

  @Mutation(() => Prediction, {
    description:
      'Classifies a drawing with the active model and stores the prediction before answering ' +
      '(`preview` gives the same answer without storing it, for drawings still in progress). ' +
      'Errors: BAD_USER_INPUT, EMPTY_DRAWING, PAYLOAD_TOO_LARGE, MODEL_NOT_READY, RATE_LIMITED (retry after `extensions.retryAfter` seconds).',
  })
  async classify(@Arg('input', () => DrawingInput) input: DrawingInput, @Ctx() context: Context): Promise<Prediction> {
    return toPrediction(await this.predictions.classify(input, context.clientId));
  }

  @Subscription(() => Prediction, {
    topics: Topic.PREDICTION_ADDED,
    filter: ({ payload, context }: { payload: PredictionAddedPayload; context: Context }) => mayWatch(context, payload.clientId),
    description:
      "The caller's predictions, once stored (every client's for an admin: with the token, or from loopback when no " +
      "ADMIN_TOKEN is set); `mine` tells the caller's own.",
  })
  predictionAdded(@Root() payload: PredictionAddedPayload): Prediction {
    return toPrediction(fromPayload(payload));
  }

  @FieldResolver(() => Boolean, { description: 'Whether the caller owns it: may see it in its history, label and delete it.' })
  mine(@Root() prediction: Prediction, @Ctx() context: Context): boolean {
    return owns(context, prediction.clientId);
  }

  @FieldResolver(() => ModelVersion)
  async model(@Root() prediction: Prediction): Promise<ModelVersion> {
    const version = await this.models.findByIdCached(prediction.modelVersionId);
    // The foreign key forbids this; say so rather than answer null for a non-null field.
    if (!version) throw apiError(ErrorCode.INTERNAL_SERVER_ERROR, `model version ${prediction.modelVersionId} is missing`);
    return toModelVersion(version);
  }
}
