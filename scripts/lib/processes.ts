// Child processes in their own process groups, so one signal reaches a child and everything it spawned.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

/** A spawned process that leads its own process group (wrangler → workerd, tsx → node, …). */
export interface GroupProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Settles with the exit code (or the signal name) once the group leader has exited. */
  readonly exited: Promise<number | string>;
  /** Lines of stdout and stderr, newest last, capped; for error reports. */
  readonly tail: string[];
}

const TAIL_LINES = 200;

/**
 * Spawns `command` detached (its own process group), calling `onLine` for each output line.
 * Detached on purpose: Ctrl-C reaches only the parent, which then stops each group in order.
 */
export function spawnGroup(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions & { onLine?: (line: string, stream: "stdout" | "stderr") => void } = {},
): GroupProcess {
  const { onLine, ...spawnOptions } = options;
  const child = spawn(command, args, { ...spawnOptions, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid === undefined) throw new Error(`${name}: could not spawn ${command}`);
  const tail: string[] = [];
  const collect = (stream: Readable | null, kind: "stdout" | "stderr") => {
    if (!stream) return;
    createInterface({ input: stream }).on("line", (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      onLine?.(line, kind);
    });
  };
  collect(child.stdout, "stdout");
  collect(child.stderr, "stderr");
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
    child.once("error", (err) => resolve(`spawn error: ${err.message}`));
  });
  return { name, child, pid: child.pid, exited, tail };
}

/** Sends `signal` to the whole group; false when the group is already gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while any process of the group is still alive. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGroupGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!groupAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !groupAlive(pid);
}

/**
 * Stops a group: SIGTERM (the leader forwards it: wrangler stops its workerd processes, the agent drains),
 * then SIGKILL for whatever is left after `graceMs`. Resolves once no process of the group remains.
 */
export async function stopGroup(proc: GroupProcess, graceMs = 5000): Promise<void> {
  if (!groupAlive(proc.pid)) return;
  signalGroup(proc.pid, "SIGTERM");
  if (await waitGroupGone(proc.pid, graceMs)) return;
  signalGroup(proc.pid, "SIGKILL");
  await waitGroupGone(proc.pid, 2000);
}

/** Pids of every live descendant of `pid` (Linux /proc; empty elsewhere). For checking nothing is orphaned. */
export async function descendants(pid: number): Promise<number[]> {
  const { readdir, readFile } = await import("node:fs/promises");
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return [];
  }
  const parent = new Map<number, number>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      // Fields after the ")" that closes the command name: state ppid …
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] !== "Z") parent.set(Number(entry), Number(fields[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const frontier = [pid];
  while (frontier.length > 0) {
    const current = frontier.pop()!;
    for (const [child, ppid] of parent) {
      if (ppid === current) {
        found.push(child);
        frontier.push(child);
      }
    }
  }
  return found;
}

/** True while `pid` is alive; a zombie (exited, not yet reaped) counts as gone. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc (not Linux): kill(0) is all we know
  }
}
