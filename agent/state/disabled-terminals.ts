// Terminals this agent may have left disabled, on disk: a DISABLE is recorded before it is sent, cleared after ENABLE.
import { z } from "zod";
import { DeviceTarget } from "../../shared/device";
import type { Logger } from "../log";
import { ensureDir, writeDurable } from "./files";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

const FILE = "disabled-terminals.json";
const Stored = z.record(z.string(), DeviceTarget);

/**
 * A SIGKILL between DISABLE and ENABLE would leave the terminal's keypad locked until its own 300 s timeout; the
 * next run reads this file and enables each one first, with the credentials (target) that disabled it.
 */
export class DisabledTerminals {
  private readonly map = new Map<string, DeviceTarget>();
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {}

  static async open(dir: string, logger: Logger): Promise<DisabledTerminals> {
    await ensureDir(dir);
    const store = new DisabledTerminals(dir, logger);
    try {
      const parsed = Stored.safeParse(JSON.parse(await readFile(join(dir, FILE), "utf8")));
      if (parsed.success) for (const [k, v] of Object.entries(parsed.data)) store.map.set(k, v);
      else logger.error("invalid list of disabled terminals ignored", { file: FILE });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") logger.error("unreadable list of disabled terminals ignored", { error: err });
    }
    return store;
  }

  /** Terminals a previous run may have left disabled. */
  entries(): Array<[string, DeviceTarget]> {
    return [...this.map.entries()];
  }

  /** About to send DISABLE to `key` as `target`: on disk before the call returns. */
  mark(key: string, target: DeviceTarget): Promise<void> {
    this.map.set(key, target);
    return this.save();
  }

  /** `key` acknowledged ENABLE. */
  clear(key: string): Promise<void> {
    if (!this.map.delete(key)) return Promise.resolve();
    return this.save();
  }

  private save(): Promise<void> {
    // One write at a time, each with the latest map: the last one to finish has the newest state.
    const run = this.chain.then(() => writeDurable(this.dir, FILE, JSON.stringify(Object.fromEntries(this.map))));
    this.chain = run.catch((err: unknown) => this.logger.error("could not save the list of disabled terminals", { error: err }));
    return run;
  }
}
