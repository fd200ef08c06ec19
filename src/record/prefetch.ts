/**
 * Runs asynchronous tasks ahead of their consumer with bounded concurrency and hands results back
 * in order: image decoding (sharp, on libuv threads) proceeds while the previous batch is inferred.
 */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export class OrderedPrefetch<T> {
  private readonly started = new Map<number, Promise<Settled<T>>>();
  private nextToStart = 0;
  private nextToTake = 0;

  constructor(
    private readonly count: number,
    private readonly task: (index: number) => Promise<T>,
    private readonly window: number,
  ) {}

  /** Starts the first window of tasks now, before the first next(). */
  start(): void {
    this.fill();
  }

  /** The next result in order, or undefined when all have been taken. Failures are returned, not thrown. */
  async next(): Promise<Settled<T> | undefined> {
    if (this.nextToTake >= this.count) return undefined;
    this.fill();
    const index = this.nextToTake++;
    const result = await this.started.get(index)!;
    this.started.delete(index);
    this.fill();
    return result;
  }

  private fill(): void {
    while (this.nextToStart < this.count && this.nextToStart < this.nextToTake + this.window) {
      const index = this.nextToStart++;
      this.started.set(
        index,
        this.task(index).then(
          (value): Settled<T> => ({ ok: true, value }),
          (error: unknown): Settled<T> => ({ ok: false, error }),
        ),
      );
    }
  }
}
