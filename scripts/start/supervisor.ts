// Owns everything `npm start` started: stops it all, in order, on Ctrl-C, SIGTERM, a failure or a child that dies.
import { signalGroup, stopGroup, type GroupProcess } from "../lib/processes";

interface Closable {
  name: string;
  close(): Promise<void>;
}

export class Supervisor {
  private readonly groups: GroupProcess[] = [];
  private readonly closables: Closable[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly say: (line: string) => void) {
    process.once("exit", () => {
      // Last resort (an exception thrown past everything): no group outlives us.
      for (const g of this.groups) signalGroup(g.pid, "SIGKILL");
    });
  }

  /** Stops `proc` on shutdown (and kills it if we exit any other way); adopting twice is harmless. */
  track(proc: GroupProcess): void {
    if (!this.groups.includes(proc)) this.groups.push(proc);
  }

  /** Tracks `proc`, and if it dies on its own from now on, everything stops with exit code 1. */
  adopt(proc: GroupProcess): void {
    this.track(proc);
    void proc.exited.then((why) => {
      if (this.stopping) return;
      this.say(`${proc.name} exited unexpectedly (${why}); its last lines:`);
      for (const line of proc.tail.slice(-15)) this.say(`  ${line}`);
      void this.shutdown(1);
    });
  }

  /** Something to close after the processes (simulators, temp files). */
  onClose(name: string, close: () => Promise<void>): void {
    this.closables.push({ name, close });
  }

  /** SIGINT/SIGTERM stop everything; a second signal during the stop kills at once. */
  installSignalHandlers(): void {
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.on(signal, () => {
        if (this.stopping) {
          for (const g of this.groups) signalGroup(g.pid, "SIGKILL");
          process.exit(130);
        }
        this.say(`${signal}: stopping…`);
        void this.shutdown(0);
      });
    }
  }

  /**
   * `npm start` runs us under `sh -c`, which does not pass on the SIGTERM npm receives: when our parent goes
   * away we are re-parented, and that is the signal to stop everything rather than keep serving as an orphan.
   */
  stopWhenOrphaned(intervalMs = 500): void {
    const parent = process.ppid;
    const timer = setInterval(() => {
      if (process.ppid === parent || this.stopping) return;
      clearInterval(timer);
      this.say("the process that started us has gone: stopping…");
      void this.shutdown(0);
    }, intervalMs);
    timer.unref();
  }

  /** True once a stop has begun (errors from parts being torn down are expected then). */
  get stoppingNow(): boolean {
    return this.stopping !== undefined;
  }

  /** Stops processes newest first (agent before gateway), closes the rest, then exits with `code`. */
  shutdown(code: number): Promise<void> {
    this.stopping ??= (async () => {
      for (const proc of [...this.groups].reverse()) {
        await stopGroup(proc, 5000);
      }
      for (const c of [...this.closables].reverse()) {
        await c.close().catch((err: Error) => this.say(`closing ${c.name}: ${err.message}`));
      }
      this.say("stopped.");
      process.exit(code);
    })();
    return this.stopping;
  }
}
