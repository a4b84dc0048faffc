// The agent's watched terminals: the gateway's watch list applied — watchers started, restarted on change, stopped.
import type { DeviceTarget } from "../../shared/device";
import type { DevicePool } from "../devices/pool";
import { terminalKey } from "../devices/pool";
import type { Logger } from "../log";
import type { BackoffOptions } from "../relay/backoff";
import type { CursorStore } from "./cursor";
import type { EventOutbox } from "./event-outbox";
import { LiveWatcher } from "./watcher";

export interface LiveManagerOptions {
  pool: DevicePool;
  cursors: CursorStore;
  outbox: EventOutbox;
  logger: Logger;
  /** Session check interval (default 30 s). */
  keepAliveMs?: number;
  /** Reconnect backoff of the terminal sessions (default 1 s doubling to 30 s). */
  backoff?: BackoffOptions;
}

export const DEFAULT_KEEPALIVE_MS = 30_000;

const same = (a: DeviceTarget, b: DeviceTarget) =>
  a.id === b.id && a.ip === b.ip && a.port === b.port && a.transport === b.transport && a.password === b.password && a.timeout === b.timeout;

/**
 * One watcher per terminal address (docs/events.md §4). Two registry entries for one address share a terminal
 * and its one session: the first by id is watched, and its id names the events.
 */
export class LiveManager {
  private readonly watchers = new Map<string, LiveWatcher>();
  /** Changes are applied one at a time, in the order the watch frames came. */
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: LiveManagerOptions) {}

  get watching(): string[] {
    return [...this.watchers.values()].map((w) => w.deviceId).sort();
  }

  /** Applies the gateway's watch list; resolves once every change is applied. */
  setTargets(devices: readonly DeviceTarget[]): Promise<void> {
    const wanted = new Map<string, DeviceTarget>();
    for (const d of [...devices].sort((a, b) => a.id.localeCompare(b.id))) {
      const key = terminalKey(d);
      if (!wanted.has(key)) wanted.set(key, d);
    }
    this.chain = this.chain.then(() => this.apply(wanted)).catch((err: unknown) => this.opts.logger.error("could not apply the watch list", { error: err }));
    return this.chain;
  }

  /** Stops every watcher; their sessions close (agent shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.chain;
    await Promise.all([...this.watchers.values()].map((w) => w.stop()));
    this.watchers.clear();
  }

  private async apply(wanted: Map<string, DeviceTarget>): Promise<void> {
    if (this.stopped) return;
    for (const [key, watcher] of [...this.watchers]) {
      const target = wanted.get(key);
      if (target && same(target, watcher.target)) continue;
      this.watchers.delete(key);
      await watcher.stop();
      this.opts.logger.info("terminal no longer watched", { device: watcher.deviceId });
    }
    for (const [key, target] of wanted) {
      if (this.watchers.has(key)) continue;
      const watcher = new LiveWatcher({
        pool: this.opts.pool,
        target,
        cursors: this.opts.cursors,
        outbox: this.opts.outbox,
        logger: this.opts.logger,
        keepAliveMs: this.opts.keepAliveMs ?? DEFAULT_KEEPALIVE_MS,
        backoff: this.opts.backoff,
      });
      this.watchers.set(key, watcher);
      try {
        await watcher.start();
        this.opts.logger.info("watching terminal", { device: target.id });
      } catch (err) {
        this.watchers.delete(key);
        this.opts.logger.error("cannot watch terminal", { device: target.id, error: err });
      }
    }
  }
}
