/** A point in drawing coordinates: 0..{@link DRAWING_SIZE} on both axes, y down. */
export interface Point {
  readonly x: number;
  readonly y: number;
}

export type Stroke = readonly Point[];

/**
 * Side of the square drawing space, in drawing units. Strokes are stored in
 * these units whatever the on-screen size, so a resize or rotation never
 * distorts a drawing; this is also the `width`/`height` sent to `classify`.
 */
export const DRAWING_SIZE = 280;

/** Pen widths offered, in drawing units (the canvas is {@link DRAWING_SIZE} wide). */
export const PEN = { min: 8, max: 36, initial: 18 } as const;

/**
 * The strokes of one drawing, with undo and redo.
 *
 * The stroke in progress lives outside the reactive state (it changes on
 * every pointer event and only the canvas needs it); `revision` counts every
 * change of what is drawn, including each extension of the stroke in
 * progress, so callers can tell whether a result belongs to what is on
 * screen now. Clearing is undoable like any other edit.
 */
export class Drawing {
  /** Finished strokes, oldest first. Replaced, never mutated. */
  strokes: readonly Stroke[] = $state.raw([]);
  /** Bumped on every change of what is drawn. */
  revision = $state(0);

  #past: (readonly Stroke[])[] = $state.raw([]);
  #future: (readonly Stroke[])[] = $state.raw([]);
  #active: Point[] | null = null;

  readonly canUndo = $derived(this.#past.length > 0);
  readonly canRedo = $derived(this.#future.length > 0);
  /** True when nothing is drawn, counting the stroke in progress (read `revision` to track it). */
  get isEmpty(): boolean {
    void this.revision;
    return this.strokes.length === 0 && this.#active === null;
  }

  /** The stroke being drawn, if any (not reactive). */
  get active(): readonly Point[] | null {
    return this.#active;
  }

  /** Every stroke including the one in progress. */
  all(): readonly Stroke[] {
    return this.#active ? [...this.strokes, this.#active] : this.strokes;
  }

  begin(point: Point): void {
    this.#active = [point];
    this.revision++;
  }

  extend(points: readonly Point[]): void {
    if (!this.#active || points.length === 0) return;
    this.#active.push(...points);
    this.revision++;
  }

  /** Finishes the stroke in progress; returns false when there was none. */
  end(): boolean {
    const stroke = this.#active;
    if (!stroke) return false;
    this.#active = null;
    this.#commit([...this.strokes, stroke]);
    return true;
  }

  undo(): boolean {
    const previous = this.#past.at(-1);
    if (!previous || this.#active) return false;
    this.#past = this.#past.slice(0, -1);
    this.#future = [...this.#future, this.strokes];
    this.strokes = previous;
    this.revision++;
    return true;
  }

  redo(): boolean {
    const next = this.#future.at(-1);
    if (!next || this.#active) return false;
    this.#future = this.#future.slice(0, -1);
    this.#past = [...this.#past, this.strokes];
    this.strokes = next;
    this.revision++;
    return true;
  }

  /** Wipes the canvas as an undoable edit; returns false when it was already empty. */
  clear(): boolean {
    this.#active = null;
    if (this.strokes.length === 0) return false;
    this.#commit([]);
    return true;
  }

  /** Starts a new drawing with no history (after it has been labelled). */
  reset(): void {
    this.#active = null;
    this.#past = [];
    this.#future = [];
    this.strokes = [];
    this.revision++;
  }

  #commit(strokes: readonly Stroke[]): void {
    this.#past = [...this.#past, this.strokes];
    this.#future = [];
    this.strokes = strokes;
    this.revision++;
  }
}
