// Relay correlation without sockets: request ids waiting for an answer, each with its own deadline timer.
import { CodedError } from "../../shared/errors";

interface Entry<T> {
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
  /** Date.now() when the wait ends. */
  dueAt: number;
  onTimeout: TimeoutError;
}

/** Builds the error a request fails with when its deadline passes. */
export type TimeoutError = (id: string, timeoutMs: number) => Error;

const defaultTimeout: TimeoutError = (id, ms) => new CodedError("RELAY_TIMEOUT", `Request ${id} got no answer within ${ms} ms`);

/**
 * Promises keyed by request id (docs/relay.md §7). Every way out — answer, failure, deadline, `rejectAll` — clears the
 * entry's timer and forgets the id, so a late answer finds nothing and the caller can log and drop it.
 */
export class PendingRequests<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(private readonly onTimeout: TimeoutError = defaultTimeout) {}

  /** Requests still waiting. */
  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /**
   * Waits for `id`'s answer for at most `timeoutMs` milliseconds from now (RELAY_TIMEOUT after that).
   * A second `add` of an id still waiting is a programming error and rejects at once.
   */
  add(id: string, timeoutMs: number, onTimeout: TimeoutError = this.onTimeout): Promise<T> {
    if (this.entries.has(id)) return Promise.reject(new CodedError("INTERNAL", `Request id ${id} is already pending`));
    return new Promise<T>((resolve, reject) => {
      this.entries.set(id, { resolve, reject, timer: this.arm(id, timeoutMs, onTimeout, reject), dueAt: Date.now() + timeoutMs, onTimeout });
    });
  }

  /**
   * Gives `id` `timeoutMs` from now when that ends later than its current wait (docs/relay.md §4: a deadline only
   * ever moves later, whatever an agent sends); false when the id is unknown or the wait did not grow.
   */
  extend(id: string, timeoutMs: number): boolean {
    const entry = this.entries.get(id);
    if (entry === undefined) return false;
    const dueAt = Date.now() + timeoutMs;
    if (dueAt <= entry.dueAt) return false;
    clearTimeout(entry.timer);
    entry.timer = this.arm(id, timeoutMs, entry.onTimeout, entry.reject);
    entry.dueAt = dueAt;
    return true;
  }

  private arm(id: string, timeoutMs: number, onTimeout: TimeoutError, reject: (err: unknown) => void): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      if (this.entries.get(id)?.timer !== timer) return;
      this.entries.delete(id);
      reject(onTimeout(id, timeoutMs));
    }, Math.max(0, timeoutMs));
    return timer;
  }

  /** Settles `id` with `value`; false when the id is unknown (never sent, already settled or timed out). */
  resolve(id: string, value: T): boolean {
    const entry = this.take(id);
    entry?.resolve(value);
    return entry !== undefined;
  }

  /** Fails `id` with `err`; false when the id is unknown. */
  reject(id: string, err: unknown): boolean {
    const entry = this.take(id);
    entry?.reject(err);
    return entry !== undefined;
  }

  /** Fails every waiting request with `err` (the socket they were sent on is gone); returns how many. */
  rejectAll(err: unknown): number {
    const all = [...this.entries.values()];
    for (const entry of all) clearTimeout(entry.timer);
    this.entries.clear();
    for (const entry of all) entry.reject(err);
    return all.length;
  }

  private take(id: string): Entry<T> | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    clearTimeout(entry.timer);
    this.entries.delete(id);
    return entry;
  }
}
