import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { ModelService } from '../services/model.service.js';
import type { PerformanceService } from '../services/performance.service.js';
import type { Context } from './context.js';
import { toModelVersion } from './model-version.type.js';
import { ClassPerformance, ConfidenceDistribution, ModelPerformance, Performance, PerformanceBucket } from './performance.type.js';

@Resolver(() => Performance)
export class PerformanceResolver {
  constructor(
    private readonly performanceService: PerformanceService,
    private readonly models: ModelService,
  ) {}

  @Query(() => Performance, {
    description:
      "Live accuracy, per-class figures, confusion matrix, accuracy over time and per model, from every client's labels " +
      '(counts only), or the caller\'s own with `mine: true`. Errors: BAD_USER_INPUT (malformed modelId, from not before to).',
  })
  async performance(
    @Ctx() context: Context,
    @Arg('modelId', () => ID, { nullable: true, description: 'Only predictions of this model version.' }) modelId?: string | null,
    @Arg('from', () => Date, { nullable: true, description: 'Only predictions made at or after this time.' }) from?: Date | null,
    @Arg('to', () => Date, { nullable: true, description: 'Only predictions made before this time.' }) to?: Date | null,
    @Arg('mine', () => Boolean, { nullable: true, defaultValue: false, description: "Only the caller's own predictions." })
    mine?: boolean | null,
  ): Promise<Performance> {
    const query = { modelId, from, to, mine };
    const [report, versions] = await Promise.all([this.performanceService.report(context, query), this.models.list()]);
    const byId = new Map(versions.map((version) => [version.id, version]));
    return Object.assign(new Performance(), {
      scope: { viewer: context, query },
      labeledCount: report.labeledCount,
      correctCount: report.correctCount,
      accuracy: report.accuracy,
      macroF1: report.macroF1,
      perClass: report.perClass.map((c) => Object.assign(new ClassPerformance(), c)),
      confusionMatrix: report.confusionMatrix,
      bucket: report.bucket,
      overTime: report.overTime.map((b) =>
        Object.assign(new PerformanceBucket(), { bucketStart: b.bucketStart, count: b.count, correctCount: b.correct, accuracy: b.accuracy }),
      ),
      // A version cannot vanish while predictions reference it (ON DELETE RESTRICT).
      byModel: report.byModel.flatMap((m) => {
        const version = byId.get(m.modelVersionId);
        return version
          ? [Object.assign(new ModelPerformance(), { model: toModelVersion(version), labeledCount: m.labeledCount, correctCount: m.correctCount, accuracy: m.accuracy })]
          : [];
      }),
    });
  }

  @FieldResolver(() => ConfidenceDistribution, {
    description: 'How sure the model was when right and when wrong, over the same labelled predictions (computed only when asked for).',
  })
  confidence(@Root() performance: Performance): Promise<ConfidenceDistribution> {
    return this.performanceService.confidence(performance.scope.viewer, performance.scope.query);
  }
}
