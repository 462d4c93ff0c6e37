import type { Client } from '@urql/core';
import { mutate, type Outcome } from '$lib/data/request';
import { ClassifyMutation, DiscardPredictionMutation, type Prediction } from '$lib/graphql/operations/draw';
import type { DrawingInput } from './live-classifier.svelte';

/**
 * Stores each finished drawing once, as one prediction (`classify`); while
 * the pen moves the page only previews, which stores nothing.
 *
 * A drawing counts as finished when it was left alone for `idle` ms after a
 * stroke ended (or an undo, redo or pen-width change), when it is labelled,
 * and when the page is left with one waiting. Choices:
 *
 * - A drawing cleared (or undone to nothing) within the idle window is never
 *   stored: it was thrown away before it was finished.
 * - A drawing changed after it was stored is stored again once finished
 *   again, and the earlier row is deleted (`deletePrediction`: it is this
 *   browser's own and unlabelled), so the history, the performance figures
 *   and the user dataset hold the final drawing, not every pause.
 * - Clearing (or undoing to an empty canvas) ends a drawing: what it
 *   stored stays, and the next drawing never replaces it. Stored rows are remembered by content until a label,
 *   so undoing back to a stored drawing (across a clear too) reuses its row
 *   instead of storing it twice.
 * - A labelled row is final: later drawings never replace it.
 * - A failed save is not retried on its own (the live preview shows the
 *   problem meanwhile); the next change, a label or leaving the page tries
 *   again.
 */
export class DrawingSaver {
  readonly #client: Client;
  readonly #idle: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** The finished-looking drawing the timer will store. */
  #waiting: DrawingInput | null = null;
  /** Counts drawings: bumped when one is cleared or labelled, so a late answer cannot make its row replaceable. */
  #drawing = 0;
  /** The row the next save of this drawing replaces. */
  #current: Prediction | null = null;
  /** Rows stored since the last label, by drawing content ({@link keyOf}). */
  readonly #stored = new Map<string, Prediction>();
  /** Saves run one at a time, so a later version always replaces an earlier one, never the reverse. */
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * @param client the urql client
   * @param idle how long a finished stroke must be left alone to count as the end of the drawing, in ms
   * @default idle 1000
   */
  constructor(client: Client, idle = 1000) {
    this.#client = client;
    this.#idle = idle;
  }

  /** The drawing looks finished as `input`: store it unless it changes within the idle window. */
  schedule(input: DrawingInput): void {
    this.#cancel();
    this.#waiting = input;
    this.#timer = setTimeout(() => void this.flush(), this.#idle);
  }

  /** The drawing is unfinished (a stroke in progress) or could not be stored as it is: store nothing yet. */
  wait(): void {
    this.#cancel();
  }

  /** The canvas is empty: the drawing ended, and one still in its idle window is dropped. */
  end(): void {
    this.#cancel();
    this.#drawing++;
    this.#current = null;
  }

  /**
   * Stores `input` now, for labelling: its row (a new one, or the row of the
   * same drawing stored before) is final, never replaced or deleted here.
   */
  saveFinal(input: DrawingInput): Promise<Outcome<Prediction>> {
    this.#cancel();
    return this.#enqueue(input, { final: true });
  }

  /**
   * Stores a drawing still waiting for its idle window, now. `keepalive`
   * lets the request outlive the page (on `pagehide`).
   */
  flush(keepalive = false): Promise<Outcome<Prediction>> | undefined {
    const input = this.#waiting;
    this.#cancel();
    return input ? this.#enqueue(input, { keepalive }) : undefined;
  }

  /** Leaving the page: a drawing waiting for its idle window is stored now rather than lost. */
  dispose(): void {
    void this.flush();
  }

  #cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#waiting = null;
  }

  #enqueue(input: DrawingInput, options: { final?: boolean; keepalive?: boolean }): Promise<Outcome<Prediction>> {
    const drawing = this.#drawing;
    const run = this.#queue.then(() => this.#store(input, drawing, options));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #store(input: DrawingInput, drawing: number, { final = false, keepalive = false }): Promise<Outcome<Prediction>> {
    const key = keyOf(input);
    let prediction = this.#stored.get(key);
    if (!prediction) {
      const outcome = await mutate(this.#client, ClassifyMutation, { input }, keepalive ? { fetchOptions: { keepalive: true } } : undefined);
      if (!outcome.ok) return outcome;
      prediction = outcome.data.classify;
      this.#stored.set(key, prediction);
      const superseded = this.#current;
      if (drawing === this.#drawing && superseded) void this.#discard(superseded);
    }
    if (drawing === this.#drawing) this.#current = prediction;
    if (final) {
      this.#drawing++;
      this.#current = null;
      this.#stored.clear();
    }
    return { ok: true, data: prediction };
  }

  /** Deletes a row a later version of the drawing replaced; on failure it simply stays. */
  async #discard(prediction: Prediction): Promise<void> {
    for (const [key, stored] of this.#stored) if (stored.id === prediction.id) this.#stored.delete(key);
    await mutate(this.#client, DiscardPredictionMutation, { id: prediction.id });
  }
}

/** Identifies a drawing by its content: the same strokes and pen give the same row. */
const keyOf = (input: DrawingInput): string => JSON.stringify(input);
