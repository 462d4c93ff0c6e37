import { Arg, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { apiError, ErrorCode } from '../errors.js';
import type { ModelService } from '../services/model.service.js';
import type { PredictionService } from '../services/prediction.service.js';
import { DrawingInput } from './drawing.input.js';
import { ModelVersion, toModelVersion } from './model-version.type.js';
import { PredictionPreview, toPredictionPreview } from './prediction-preview.type.js';

@Resolver(() => PredictionPreview)
export class PredictionPreviewResolver {
  constructor(
    private readonly predictions: PredictionService,
    private readonly models: ModelService,
  ) {}

  @Query(() => PredictionPreview, {
    description:
      'Classifies a drawing with the active model like `classify`, but stores and publishes nothing: for live answers ' +
      'while the drawing is unfinished; `classify` the finished drawing to keep it. Counts against the `classify` rate limit. ' +
      'Errors: BAD_USER_INPUT, EMPTY_DRAWING, PAYLOAD_TOO_LARGE, MODEL_NOT_READY, RATE_LIMITED (retry after `extensions.retryAfter` seconds).',
  })
  async preview(@Arg('input', () => DrawingInput) input: DrawingInput): Promise<PredictionPreview> {
    return toPredictionPreview(await this.predictions.preview(input));
  }

  @FieldResolver(() => ModelVersion)
  async model(@Root() preview: PredictionPreview): Promise<ModelVersion> {
    const version = await this.models.findByIdCached(preview.modelVersionId);
    // Model versions are never deleted; say so rather than answer null for a non-null field.
    if (!version) throw apiError(ErrorCode.INTERNAL_SERVER_ERROR, `model version ${preview.modelVersionId} is missing`);
    return toModelVersion(version);
  }
}
