import { Arg, Authorized, FieldResolver, Float, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { ADMIN } from '../auth/admin.js';
import type { ModelVersionEntity } from '../db/entities/model-version.entity.js';
import { apiError, ErrorCode } from '../errors.js';
import type { ModelReloader } from '../services/model-registry.reloader.js';
import type { ModelRegistryService } from '../services/model-registry.service.js';
import type { ModelService } from '../services/model.service.js';
import {
  readEvaluation,
  readPromotion,
  readTrainingCurve,
  readUserHoldoutAccuracy,
  type StoredEvaluation,
} from '../services/training-metrics.js';
import type { TrainingService } from '../services/training.service.js';
import { ModelVersion, toModelVersion } from './model-version.type.js';
import {
  Calibration,
  ClassCurves,
  ClassMetrics,
  ConfusionMatrix,
  EpochMetrics,
  EvaluationSplitValue,
  PromotionDecision,
} from './training-metrics.type.js';
import { toTrainingJob } from './training.resolver.js';
import { trainingSources } from './training.subscriptions.js';
import { TrainingJob } from './training.type.js';

const splitArg = { defaultValue: EvaluationSplitValue.MNIST_TEST, description: 'Which evaluation set.' } as const;

/** Model versions as the retraining feature sees them: lookup, activation, and the model page's figures. */
@Resolver(() => ModelVersion)
export class TrainingModelResolver {
  constructor(
    private readonly models: ModelService,
    private readonly registry: ModelRegistryService,
    private readonly training: TrainingService,
    private readonly reloader: ModelReloader,
  ) {}

  @Query(() => ModelVersion, { description: 'One model version with its metrics. Errors: NOT_FOUND.' })
  async model(@Arg('id', () => ID) id: string): Promise<ModelVersion> {
    const version = await this.models.findById(id);
    if (!version) throw apiError(ErrorCode.NOT_FOUND, `No model version has id ${JSON.stringify(id)}; list them with the \`models\` query.`, { field: 'id' });
    return toModelVersion(version);
  }

  @Mutation(() => ModelVersion, {
    description:
      'Makes a version the active one: promotes a candidate or rolls back to an earlier version. Every API instance ' +
      'loads its weights, then switches and sends `modelActivated`. Errors: NOT_FOUND, BAD_USER_INPUT (a failed version), ' +
      'UNAUTHENTICATED / FORBIDDEN (needs the admin token).',
  })
  @Authorized(ADMIN)
  async activateModel(@Arg('id', () => ID) id: string): Promise<ModelVersion> {
    const version = await this.registry.activate(id);
    // Answer once this instance classifies with it (the others switch on the NOTIFY).
    await this.reloader.reload(id);
    return toModelVersion(version);
  }

  @Subscription(() => ModelVersion, {
    subscribe: ({ info }) => trainingSources(info as GraphQLResolveInfo).modelActivations(),
    description: 'Each version this API instance switches to, once its weights are loaded (activated here or on another instance).',
  })
  async modelActivated(@Root() version: ModelVersionEntity): Promise<ModelVersion> {
    // Re-read: by the time the event is sent its status may have moved on.
    return toModelVersion((await this.models.findById(version.id)) ?? version);
  }

  @FieldResolver(() => Float, { nullable: true, description: 'Accuracy on the labelled drawings held out of its training, 0 to 1.' })
  userHoldoutAccuracy(@Root() model: ModelVersion): number | null {
    return readUserHoldoutAccuracy(model.metrics);
  }

  @FieldResolver(() => [ClassMetrics], { description: 'Precision, recall, F1 and AUC per digit; empty when not evaluated on that set.' })
  perClass(@Root() model: ModelVersion, @Arg('split', () => EvaluationSplitValue, splitArg) split: EvaluationSplitValue): ClassMetrics[] {
    return (evaluationOf(model, split)?.perClass ?? []).map(({ roc: _roc, pr: _pr, ...m }) => m);
  }

  @FieldResolver(() => ConfusionMatrix, { nullable: true, description: 'Null when not evaluated on that set.' })
  confusionMatrix(
    @Root() model: ModelVersion,
    @Arg('split', () => EvaluationSplitValue, splitArg) split: EvaluationSplitValue,
  ): ConfusionMatrix | null {
    const e = evaluationOf(model, split);
    if (!e) return null;
    return {
      split,
      counts: e.confusion,
      cells: (e.confusionCells ?? []).map((c) => ({
        actual: c.actual,
        predicted: c.predicted,
        count: c.count,
        mnistTestIndices: c.examples.filter((x): x is number => typeof x === 'number'),
        predictionIds: c.examples.filter((x): x is string => typeof x === 'string'),
      })),
    };
  }

  @FieldResolver(() => [ClassCurves], { description: 'One-vs-rest ROC and precision-recall curves per digit, downsampled.' })
  rocCurves(@Root() model: ModelVersion, @Arg('split', () => EvaluationSplitValue, splitArg) split: EvaluationSplitValue): ClassCurves[] {
    return (evaluationOf(model, split)?.perClass ?? []).map((m) => ({
      digit: m.digit,
      rocAuc: m.rocAuc,
      averagePrecision: m.averagePrecision,
      roc: m.roc,
      pr: m.pr,
    }));
  }

  @FieldResolver(() => Calibration, { nullable: true, description: 'Reliability bins and expected calibration error.' })
  calibration(@Root() model: ModelVersion, @Arg('split', () => EvaluationSplitValue, splitArg) split: EvaluationSplitValue): Calibration | null {
    const e = evaluationOf(model, split);
    return e && { split, ece: e.calibration.ece, bins: e.calibration.bins };
  }

  @FieldResolver(() => [EpochMetrics], { description: 'Loss and accuracy after each training epoch.' })
  trainingCurve(@Root() model: ModelVersion): EpochMetrics[] {
    return readTrainingCurve(model.metrics);
  }

  @FieldResolver(() => PromotionDecision, { nullable: true, description: 'Whether it became active by itself when trained, and why.' })
  promotion(@Root() model: ModelVersion): PromotionDecision | null {
    const p = readPromotion(model.metrics);
    return p && { promoted: p.promote, reason: p.reason, comparedWithId: p.comparedWith };
  }

  @FieldResolver(() => TrainingJob, { nullable: true, description: 'The job that trained it (null for an imported model).' })
  async trainingJob(@Root() model: ModelVersion): Promise<TrainingJob | null> {
    const job = await this.training.findByModelVersion(model.id);
    return job && toTrainingJob(job);
  }
}

function evaluationOf(model: ModelVersion, split: EvaluationSplitValue): StoredEvaluation | null {
  return readEvaluation(model.metrics, split);
}
