// The agent's event outbox: batches of events on disk before they are sent, re-sent until the gateway acknowledges them.
import { EventsFrame, MAX_EVENTS_PER_FRAME, type AgentEvent, type WatchStatus } from "../../shared/events";
import type { Logger } from "../log";
import { ensureDir, readJsonFiles, removeDurable, writeDurable } from "../state/files";

/** How long events wait to be batched with the next ones before they are written and sent (ms). */
export const BATCH_WINDOW_MS = 20;

/**
 * docs/events.md §6, the pattern of agent/state/outbox.ts: `add` resolves once the events are in a batch file
 * (fsync'd); the batch is then handed to `send` (the relay link), and kept — and re-sent by the link after every
 * reconnect and periodically — until `ack(id)`. Files are named so their order is the order they were written:
 * batches are re-sent oldest first.
 */
export class EventOutbox {
  private readonly frames = new Map<string, { name: string; frame: EventsFrame }>();
  private pending: AgentEvent[] = [];
  private pendingStatus = new Map<string, WatchStatus>();
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writing: Promise<void> = Promise.resolve();
  private counter = 0;
  /** Called with each new batch once it is on disk (the link sends it if it is open). */
  send: (frame: EventsFrame) => void = () => {};

  private constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {}

  /** Opens (creating) `dir` and loads the batches a previous run did not get acknowledged. */
  static async open(dir: string, logger: Logger): Promise<EventOutbox> {
    await ensureDir(dir);
    const box = new EventOutbox(dir, logger);
    const files = await readJsonFiles(dir, (name, err) => logger.error("unreadable event batch skipped", { file: name, error: err }));
    for (const { name, value } of files) {
      const parsed = EventsFrame.safeParse(value);
      if (parsed.success) box.frames.set(parsed.data.id, { name, frame: parsed.data });
      else logger.error("invalid event batch skipped", { file: name });
    }
    return box;
  }

  /** Batches waiting for an ack. */
  get size(): number {
    return this.frames.size;
  }

  /** Events waiting for an ack (for logs and tests). */
  get eventCount(): number {
    let n = 0;
    for (const { frame } of this.frames.values()) n += frame.events.length;
    return n;
  }

  /** Queues events (and the latest status of a terminal); resolves once they are on disk. */
  add(events: readonly AgentEvent[], status?: WatchStatus): Promise<void> {
    this.pending.push(...events);
    if (status) this.pendingStatus.set(status.device_id, status);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (this.pending.length >= MAX_EVENTS_PER_FRAME) this.flushSoon(0);
    else this.flushSoon(BATCH_WINDOW_MS);
    return done;
  }

  /** Writes what is queued now; resolves when it is on disk. */
  flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const events = this.pending.splice(0);
    const status = [...this.pendingStatus.values()];
    this.pendingStatus.clear();
    const waiters = this.waiters.splice(0);
    const run = this.writing.then(() => this.write(events, status));
    this.writing = run.catch(() => undefined);
    run.then(
      () => waiters.forEach((w) => w.resolve()),
      (err: unknown) => waiters.forEach((w) => w.reject(err)),
    );
    return run;
  }

  /** Batches to (re)send, oldest first. */
  unacked(): EventsFrame[] {
    return [...this.frames.values()].sort((a, b) => a.name.localeCompare(b.name)).map((f) => f.frame);
  }

  has(id: string): boolean {
    return this.frames.has(id);
  }

  /** The gateway stored batch `id`. */
  async ack(id: string): Promise<boolean> {
    const entry = this.frames.get(id);
    if (!entry) return false;
    this.frames.delete(id);
    await removeDurable(this.dir, entry.name);
    return true;
  }

  private flushSoon(ms: number): void {
    if (this.timer !== undefined && ms > 0) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    // Not unref'd: someone awaits add(), and at shutdown (the watchers' last status, docs/events.md §6) this timer may
    // be all that is left; unref'd, the process would exit with that promise unsettled (code 13) instead of stopping.
    this.timer = setTimeout(() => void this.flush().catch((err: unknown) => this.logger.error("could not write events to the outbox", { error: err })), ms);
  }

  private async write(events: AgentEvent[], status: WatchStatus[]): Promise<void> {
    for (let i = 0; i < events.length || (i === 0 && status.length > 0); i += MAX_EVENTS_PER_FRAME) {
      const chunk = events.slice(i, i + MAX_EVENTS_PER_FRAME);
      const frame: EventsFrame = { v: 1, type: "events", id: crypto.randomUUID(), events: chunk, ...(i === 0 && status.length > 0 ? { status } : {}) };
      const name = `${Date.now().toString().padStart(15, "0")}-${String(this.counter++).padStart(6, "0")}-${frame.id}.json`;
      await writeDurable(this.dir, name, JSON.stringify(frame));
      this.frames.set(frame.id, { name, frame });
      try {
        this.send(frame);
      } catch (err) {
        this.logger.warn("could not send an event batch now; it is re-sent later", { id: frame.id, error: err });
      }
    }
  }
}

