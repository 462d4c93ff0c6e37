/**
 * Where a drawing becomes the model's input. Strokes and pixels are cheap
 * (a tenth of a millisecond for a hundred points) and are done at once on
 * the request thread; an image is decoded by a worker pool (piscina), since
 * decoding a 1200×900 JPEG in JavaScript holds a thread for ~80 ms and a
 * 2048-pixel one for ~270 ms, which on the request thread would stall every
 * other request, subscription and health check meanwhile.
 */
import { Piscina } from 'piscina';
import { GraphQLError } from 'graphql';
import { apiError, ErrorCode } from '../errors.js';
import { toModelInput, type Drawing, type DrawingLimits, type ModelInput } from './drawing-input.js';
import type { DrawingTask, DrawingTaskResult } from './drawing-input.worker.js';

export interface DrawingInputPoolOptions {
  /** Threads decoding images (PREPROCESS_THREADS); 0 decodes them on the calling thread. @default 1 */
  threads?: number;
  /**
   * Images waiting for a thread beyond which more are refused (RATE_LIMITED,
   * retry in 1 s): each waiting one holds its data URL, up to MAX_IMAGE_BYTES
   * of base64. @default 32 per thread
   */
  maxQueued?: number;
}

export class DrawingInputPool {
  private readonly pool: Piscina<DrawingTask, DrawingTaskResult> | undefined;
  private readonly maxQueued: number;

  constructor(
    private readonly limits: DrawingLimits,
    options: DrawingInputPoolOptions = {},
  ) {
    const threads = options.threads ?? 1;
    this.maxQueued = options.maxQueued ?? 32 * threads;
    this.pool =
      threads > 0
        ? new Piscina({ filename: new URL('./drawing-input.worker.js', import.meta.url).href, minThreads: threads, maxThreads: threads })
        : undefined;
  }

  /**
   * @throws GraphQLError BAD_USER_INPUT, EMPTY_DRAWING or PAYLOAD_TOO_LARGE,
   *   with `extensions.field` naming the input field (see {@link toModelInput});
   *   RATE_LIMITED when too many images already wait to be decoded
   */
  async toModelInput(drawing: Drawing): Promise<ModelInput> {
    const imageOnly = typeof drawing.image === 'string' && drawing.strokes == null && drawing.pixels == null;
    if (!this.pool || !imageOnly) return toModelInput(drawing, this.limits);
    if (this.pool.queueSize >= this.maxQueued) {
      throw apiError(
        ErrorCode.RATE_LIMITED,
        `The server is busy decoding ${this.pool.queueSize} other images. Retry in 1 s, or send the drawing as strokes or a smaller image.`,
        { retryAfter: 1, limit: 'image-decoding', field: 'input.image' },
      );
    }
    // Only what preprocessing reads crosses to the thread (not the GraphQL input object).
    const task: DrawingTask = {
      drawing: { image: drawing.image },
      limits: { maxImageBytes: this.limits.maxImageBytes, maxImageSide: this.limits.maxImageSide, maxStrokePoints: this.limits.maxStrokePoints },
    };
    const result = await this.pool.run(task);
    if (!result.ok) throw new GraphQLError(result.message, { extensions: result.extensions });
    return result.input;
  }

  /** Ends the pool's threads (an image under way fails). */
  async close(): Promise<void> {
    await this.pool?.destroy();
  }
}
