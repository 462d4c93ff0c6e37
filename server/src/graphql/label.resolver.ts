import { Arg, Ctx, ID, Int, Mutation, Resolver, Root, Subscription } from 'type-graphql';
import { mayWatch, owns } from '../services/access.js';
import type { LabelService } from '../services/label.service.js';
import { fromPayload } from '../services/prediction.record.js';
import type { Context } from './context.js';
import { Prediction, toPrediction } from './prediction.type.js';
import { Topic, type PredictionAddedPayload } from './pubsub.js';

@Resolver()
export class LabelResolver {
  constructor(private readonly labels: LabelService) {}

  @Mutation(() => Prediction, {
    description:
      'Sets or changes the true digit of one of your predictions, which makes its drawing a training sample. ' +
      "Errors: BAD_USER_INPUT (label outside 0 to 9), NOT_FOUND (no such prediction, or another client's).",
  })
  async labelPrediction(
    @Arg('id', () => ID) id: string,
    @Arg('label', () => Int, { description: 'The digit drawn, 0 to 9.' }) label: number,
    @Ctx() context: Context,
  ): Promise<Prediction> {
    return toPrediction(await this.labels.label(context, id, label));
  }

  @Mutation(() => Prediction, {
    description: 'Removes the label of one of your predictions: its drawing leaves the training data. Errors: NOT_FOUND.',
  })
  async clearLabel(@Arg('id', () => ID) id: string, @Ctx() context: Context): Promise<Prediction> {
    return toPrediction(await this.labels.clear(context, id));
  }

  @Mutation(() => ID, {
    description: 'Deletes one of your predictions, and its drawing from the training data and the exports; returns its id. Errors: NOT_FOUND.',
  })
  deletePrediction(@Arg('id', () => ID) id: string, @Ctx() context: Context): Promise<string> {
    return this.labels.delete(context, id);
  }

  @Subscription(() => Prediction, {
    topics: Topic.PREDICTION_LABELED,
    filter: ({ payload, args, context }: { payload: PredictionAddedPayload; args: { mine?: boolean | null }; context: Context }) =>
      args.mine ? owns(context, payload.clientId) : mayWatch(context, payload.clientId),
    description:
      "A label of the caller's predictions was set, changed or cleared (`label` null); an admin (the token, or loopback when " +
      "no ADMIN_TOKEN is set) hears every client's unless `mine: true` (nothing for a caller without a client id).",
  })
  predictionLabeled(
    @Root() payload: PredictionAddedPayload,
    @Arg('mine', () => Boolean, { nullable: true, defaultValue: false }) _mine: boolean,
  ): Prediction {
    return toPrediction(fromPayload(payload));
  }
}
