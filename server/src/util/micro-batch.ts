/**
 * Gathers calls that arrive close together and hands them to `run` as one
 * batch: the work of many concurrent requests (a forward pass, an INSERT)
 * then costs one call instead of one each.
 *
 * A batch starts at the event loop's next check phase after its first call
 * (so calls of the same tick, or of I/O handled in the same poll, share it);
 * while `maxInFlight` batches are running, new calls wait and go together
 * into the next one.
 */

export interface MicroBatchOptions<In, Out> {
  /** Runs one batch; must answer one result per item, in order. */
  run(items: In[]): Promise<Out[]> | Out[];
  /** Most items in one batch; more wait for the next. @default 64 */
  maxBatch?: number;
  /** Most batches running at once. @default 1 */
  maxInFlight?: number;
}

interface Waiting<In, Out> {
  item: In;
  resolve(out: Out): void;
  reject(error: unknown): void;
}

export class MicroBatcher<In, Out> {
  private queue: Waiting<In, Out>[] = [];
  private scheduled = false;
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;


  constructor(private readonly options: MicroBatchOptions<In, Out>) {
    this.maxBatch = options.maxBatch ?? 64;
    this.maxInFlight = options.maxInFlight ?? 1;
  }

  /** Calls waiting for a batch (not those running). */
  get pending(): number {
    return this.queue.length;
  }

  /** Resolves with `item`'s result once its batch has run; rejects with the batch's error. */
  add(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Rejects every call still waiting (running batches finish). */
  rejectPending(error: Error): void {
    for (const waiting of this.queue.splice(0)) waiting.reject(error);
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.runNext();
    });
  }

  private async runNext(): Promise<void> {
    if (this.inFlight >= this.maxInFlight) return;
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    this.inFlight++;
    // More than one batch's worth waiting, or room for another batch: start it too.
    this.schedule();
    try {
      const results = await this.options.run(batch.map((waiting) => waiting.item));
      if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} answered ${results.length} results`);
      batch.forEach((waiting, i) => waiting.resolve(results[i]));
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }
}
