// A promise-chain mutex: one command sequence at a time per session (STYLE §6).

/** Runs async sections one after another, in call order; a failure does not block the next. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
