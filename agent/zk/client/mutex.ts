// A promise-chain mutex: one command sequence at a time per session (docs/architecture.md §7).

/** Runs async sections one after another, in call order; a failure does not block the next. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** True while a section runs or waits. */
  get busy(): boolean {
    return this.pending > 0;
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(fn, fn).finally(() => this.pending--);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
