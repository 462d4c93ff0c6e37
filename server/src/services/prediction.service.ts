/**
 * `classify`: preprocess a drawing, ask the active model, store the result
 * and only then answer (and tell subscribers). `preview`: the same answer,
 * neither stored nor published.
 */
import type { DataSource } from 'typeorm';
import { PredictionEntity, type InputKind } from '../db/entities/prediction.entity.js';
import type { Logger } from '../logger.js';
import { Topic, type AppPubSub, type PredictionAddedPayload } from '../graphql/pubsub.js';
import type { ClassifierService } from './classifier.service.js';
import type { Drawing } from './drawing-input.js';
import type { DrawingInputPool } from './drawing-input.pool.js';
import { isUuid } from './model.service.js';
import { PredictionWriter } from './prediction.writer.js';
import { pgPool } from '../db/data-source.js';
import {
  asStoredAnswer,
  dequantizePixels,
  quantizePixels,
  toPayload,
  type PredictionPreviewRecord,
  type PredictionRecord,
} from './prediction.record.js';

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** The model's answer for one drawing, before it is stored or shown. */
interface Inference {
  kind: InputKind;
  /** 784 bytes, row-major 28x28, ink 255: the rounded image the model was run on. */
  bytes: Uint8Array;
  /** 10 probabilities, index = digit. */
  probabilities: Float32Array;
  digit: number;
  modelVersionId: string;
}

const toRecord = (row: PredictionEntity): PredictionRecord => ({
  id: row.id,
  modelVersionId: row.modelVersionId,
  clientId: row.clientId,
  pixels: new Uint8Array(row.pixels.buffer, row.pixels.byteOffset, row.pixels.byteLength),
  probabilities: row.probabilities.map(Number),
  digit: row.digit,
  confidence: Number(row.confidence),
  label: row.label,
  inputKind: row.inputKind,
  createdAt: row.createdAt,
  labeledAt: row.labeledAt,
});

/** A `predictions` row as the pg driver returns it (RETURNING *). */
export interface PredictionRow {
  id: string;
  model_version_id: string;
  client_id: string | null;
  pixels: Buffer;
  probabilities: number[];
  digit: number;
  confidence: number;
  label: number | null;
  input_kind: InputKind;
  created_at: Date;
  labeled_at: Date | null;
}

export const fromRow = (row: PredictionRow): PredictionRecord => ({
  id: row.id,
  modelVersionId: row.model_version_id,
  clientId: row.client_id,
  pixels: new Uint8Array(row.pixels.buffer, row.pixels.byteOffset, row.pixels.byteLength),
  probabilities: row.probabilities.map(Number),
  digit: row.digit,
  confidence: Number(row.confidence),
  label: row.label,
  inputKind: row.input_kind,
  createdAt: row.created_at,
  labeledAt: row.labeled_at,
});

export interface PredictionServiceOptions {
  /**
   * Publishes `predictionAdded` for a stored row by its id (the Postgres
   * transport's `announceAdded`), so classify need not build the payload.
   * @default publishing the payload through the pub/sub
   */
  announceAdded?: (id: string) => void;
}

/** The stored predictions with these ids (any order; unknown ids left out), as `predictionAdded` payloads. */
export async function findPredictionPayloads(dataSource: DataSource, ids: string[]): Promise<PredictionAddedPayload[]> {
  const rows: PredictionRow[] = await dataSource.query('SELECT * FROM predictions WHERE id = ANY($1::uuid[])', [ids.filter(isUuid)]);
  return rows.map((row) => toPayload(fromRow(row)));
}

export class PredictionService {
  private readonly writer: PredictionWriter;
  private readonly announceAdded: ((id: string) => void) | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly classifier: ClassifierService,
    private readonly pubSub: AppPubSub,
    private readonly drawingInputs: DrawingInputPool,
    private readonly logger: Logger,
    options: PredictionServiceOptions = {},
  ) {
    this.writer = new PredictionWriter(pgPool(dataSource));
    this.announceAdded = options.announceAdded;
  }

  private get repository() {
    return this.dataSource.getRepository(PredictionEntity);
  }

  /**
   * Classifies a drawing and stores the prediction before returning it.
   * Nothing is stored when the input is refused or the model fails.
   *
   * @throws GraphQLError BAD_USER_INPUT, EMPTY_DRAWING, PAYLOAD_TOO_LARGE, MODEL_NOT_READY
   */
  async classify(drawing: Drawing, clientId: string | null): Promise<PredictionRecord> {
    const { kind, bytes, probabilities, digit, modelVersionId } = await this.#infer(drawing);
    const record = await this.writer.write({ modelVersionId, clientId, pixels: bytes, probabilities, digit, inputKind: kind });
    if (this.announceAdded) this.announceAdded(record.id);
    else this.pubSub.publish(Topic.PREDICTION_ADDED, toPayload(record));
    return record;
  }

  /**
   * Answers what {@link classify} would for the same drawing (the same
   * probabilities, to the float4 rounding of the stored row) without storing
   * or publishing anything: for live feedback while a drawing is unfinished.
   *
   * @throws GraphQLError BAD_USER_INPUT, EMPTY_DRAWING, PAYLOAD_TOO_LARGE, MODEL_NOT_READY
   */
  async preview(drawing: Drawing): Promise<PredictionPreviewRecord> {
    const { kind, bytes, probabilities, digit, modelVersionId } = await this.#infer(drawing);
    return { modelVersionId, pixels: bytes, ...asStoredAnswer(probabilities, digit), digit, inputKind: kind };
  }

  /** The one path from a drawing to the model's answer, shared by classify and preview. */
  async #infer(drawing: Drawing): Promise<Inference> {
    // Refuse early: no need to preprocess what no model can answer.
    this.classifier.assertReady();
    const input = await this.drawingInputs.toModelInput(drawing);
    const bytes = quantizePixels(input.pixels);
    const { probabilities, modelVersionId } = await this.classifier.predict(dequantizePixels(bytes));
    if (probabilities.length !== 10 || !probabilities.every(Number.isFinite)) {
      throw new Error(`the model returned ${probabilities.length} values, some not finite; expected 10 probabilities`);
    }
    return { kind: input.kind, bytes, probabilities, digit: argmax(probabilities), modelVersionId };
  }

  async findById(id: string): Promise<PredictionRecord | null> {
    if (!isUuid(id)) return null;
    const row = await this.repository.findOneBy({ id });
    return row ? toRecord(row) : null;
  }
}
