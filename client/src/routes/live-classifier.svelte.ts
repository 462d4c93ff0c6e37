import type { Client } from '@urql/core';
import { describeError, type ApiProblem } from '$lib/graphql/errors';
import type { VariablesOf } from '$lib/graphql/graphql';
import { simplifyStrokes } from '$preprocess';
import { DRAWING_SIZE, type Stroke } from './drawing.svelte';
import { PreviewQuery, type Answer } from '$lib/graphql/operations/draw';

/** A drawing as `preview` and `classify` take it. */
export type DrawingInput = VariablesOf<typeof PreviewQuery>['input'];

/**
 * The strokes as sent: without the points that do not move the line (a
 * pointer reports hundreds per digit, each costing the server time; see
 * `simplifyStrokes`), and rounded to 0.1 drawing unit, far below what
 * survives the 28×28 downscale, to keep requests small. The local preview is
 * computed from these strokes too, so it is exactly the server's input.
 */
export function compactStrokes(strokes: readonly Stroke[]): Stroke[] {
  return simplifyStrokes(strokes).map((stroke) => stroke.map(({ x, y }) => ({ x: Math.round(x * 10) / 10, y: Math.round(y * 10) / 10 })));
}

/** The `preview` / `classify` input for strokes in drawing coordinates (0..{@link DRAWING_SIZE}). */
export function toDrawingInput(strokes: readonly Stroke[], lineWidth: number): DrawingInput {
  return {
    width: DRAWING_SIZE,
    height: DRAWING_SIZE,
    lineWidth,
    strokes: strokes.map((stroke) => ({ points: stroke.map(({ x, y }) => ({ x, y })) })),
  };
}

interface Job {
  readonly revision: number;
  readonly input: DrawingInput;
}

/**
 * Keeps the model's answer in step with a drawing while it is being drawn,
 * through `preview`, which stores nothing (storing the finished drawing is
 * `DrawingSaver`'s job, in drawing-saver.svelte.ts).
 *
 * Each preview still runs the model and counts against the `classify` rate
 * limit, so this sends at most one request per `interval` while a stroke is
 * in progress, and at most one at a time (a slow server is not queued up
 * on), plus one right away when a stroke ends or the drawing is edited. A
 * response is shown only if it is newer than the one on screen and the
 * drawing has not been wiped since it was sent.
 */
export class LiveClassifier {
  /** Latest answer for the drawing, or null while there is none. */
  prediction: Answer | null = $state.raw(null);
  /** Drawing revision that {@link prediction} answers. */
  predictionRevision = $state(-1);
  /** Problem with the latest request, cleared by the next success. */
  problem: ApiProblem | null = $state.raw(null);
  /** True while a request is on its way. */
  busy = $state(false);

  readonly #client: Client;
  readonly #interval: number;
  #pending: Job | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #inFlight = 0;
  #sendWhenIdle = false;
  #lastSentAt = Number.NEGATIVE_INFINITY;
  /** Responses to revisions below this are stale (the drawing was wiped or labelled). */
  #floor = 0;

  /**
   * @param client the urql client
   * @param interval least time between two requests during a stroke, in ms
   * @default interval 150
   */
  constructor(client: Client, interval = 150) {
    this.#client = client;
    this.#interval = interval;
  }

  /**
   * The drawing changed to revision `revision`. `now` sends at once (a stroke
   * ended, undo, redo); otherwise the request waits for the rate limit.
   */
  update(revision: number, input: DrawingInput, now: boolean): void {
    this.#pending = { revision, input };
    if (now) {
      void this.#send();
      return;
    }
    if (this.#timer) return;
    const wait = Math.max(0, this.#lastSentAt + this.#interval - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#inFlight > 0) this.#sendWhenIdle = true;
      else void this.#send();
    }, wait);
  }

  /** The drawing is empty as of `revision`: forget the prediction and anything in flight. */
  reset(revision: number): void {
    this.#floor = revision;
    this.#pending = null;
    this.#sendWhenIdle = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.prediction = null;
    this.predictionRevision = -1;
    this.problem = null;
  }

  /** Stops timers; responses still on their way are ignored. */
  dispose(): void {
    this.reset(Number.POSITIVE_INFINITY);
  }

  async #send(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#sendWhenIdle = false;
    const job = this.#pending;
    this.#pending = null;
    if (!job) return;

    this.#lastSentAt = performance.now();
    this.#inFlight++;
    this.busy = true;
    try {
      const result = await this.#client.query(PreviewQuery, { input: job.input }).toPromise();
      if (job.revision < this.#floor || job.revision <= this.predictionRevision) return;
      if (result.error || !result.data) {
        if (result.error) this.problem = describeError(result.error);
        return;
      }
      this.prediction = result.data.preview;
      this.predictionRevision = job.revision;
      this.problem = null;
    } finally {
      this.#inFlight--;
      this.busy = this.#inFlight > 0;
      if (this.#sendWhenIdle && this.#pending) void this.#send();
    }
  }
}
