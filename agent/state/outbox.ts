// The agent's durable outbox: results the gateway must keep, on disk before they are sent, until acknowledged by id.
import { z } from "zod";
import { DeviceTarget } from "../../shared/device";
import { RELAY_VERSION, ResponseFrame } from "../../shared/relay";
import type { Logger } from "../log";
import { ensureDir, readJsonFiles, removeDurable, writeDurable } from "./files";

/** One entry: a request of a durable-result op (shared/ops.ts), from before its commit point until acknowledged. */
export const OutboxEntry = z.object({
  id: z.string().uuid(),
  op: z.string().max(64),
  device: DeviceTarget,
  args: z.unknown(),
  /** Epoch ms of the write-ahead. */
  at: z.number(),
  /** The result to report if the change turns out to have happened (written before the change is sent). */
  ifCommitted: z.unknown(),
  /** The answer, once known. Absent: unsettled — the agent stopped before it learned the outcome. */
  response: ResponseFrame.optional(),
});
export type OutboxEntry = z.infer<typeof OutboxEntry>;

const fileOf = (id: string) => `${id}.json`;

/**
 * Generic over ops: a delete's snapshot today, any result that must not be lost tomorrow. Every change is on disk
 * (fsync'd) before the call that made it returns, so what the caller does next — send DELETE_USER, send the
 * answer — happens only once the entry would survive a crash.
 */
export class Outbox {
  private readonly entries = new Map<string, OutboxEntry>();

  private constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {}

  /** Opens (creating) `dir` and loads what a previous run left there. */
  static async open(dir: string, logger: Logger): Promise<Outbox> {
    await ensureDir(dir);
    const box = new Outbox(dir, logger);
    const files = await readJsonFiles(dir, (name, err) => logger.error("unreadable outbox entry skipped", { file: name, error: err }));
    for (const { name, value } of files) {
      const parsed = OutboxEntry.safeParse(value);
      if (parsed.success && fileOf(parsed.data.id) === name) box.entries.set(parsed.data.id, parsed.data);
      else logger.error("invalid outbox entry skipped", { file: name });
    }
    return box;
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Records, durably, what to report for request `id` if its change happens; call right before the change. */
  async writeAhead(req: { id: string; op: string; device: DeviceTarget; args: unknown }, ifCommitted: unknown): Promise<void> {
    const entry: OutboxEntry = { id: req.id, op: req.op, device: req.device, args: req.args, at: Date.now(), ifCommitted };
    await writeDurable(this.dir, fileOf(entry.id), JSON.stringify(entry));
    this.entries.set(entry.id, entry);
  }

  /** The answer of `id` is known: kept until acknowledged. False when `id` has no entry. */
  async finalize(id: string, response: ResponseFrame): Promise<boolean> {
    const entry = this.entries.get(id);
    if (!entry) return false;
    const next: OutboxEntry = { ...entry, response };
    await writeDurable(this.dir, fileOf(id), JSON.stringify(next));
    this.entries.set(id, next);
    return true;
  }

  /** Settled as "did not happen": nothing to report. */
  async drop(id: string): Promise<void> {
    await this.remove(id);
  }

  /** The gateway stored `id`'s result. */
  async ack(id: string): Promise<boolean> {
    if (!this.entries.has(id)) return false;
    await this.remove(id);
    return true;
  }

  /** Answers waiting for an ack, as frames to (re)send. */
  unacked(): ResponseFrame[] {
    return [...this.entries.values()].flatMap((e) => (e.response ? [{ ...e.response, redelivered: true }] : []));
  }

  /** Entries whose outcome is not known yet. */
  unsettled(): OutboxEntry[] {
    return [...this.entries.values()].filter((e) => e.response === undefined);
  }

  /** `id` happened: its answer is the result written ahead. */
  async settleCommitted(entry: OutboxEntry): Promise<void> {
    await this.finalize(entry.id, { v: RELAY_VERSION, type: "response", id: entry.id, ok: true, result: entry.ifCommitted });
  }

  private async remove(id: string): Promise<void> {
    try {
      await removeDurable(this.dir, fileOf(id));
    } finally {
      this.entries.delete(id);
    }
    this.logger.debug("outbox entry done", { id });
  }
}
