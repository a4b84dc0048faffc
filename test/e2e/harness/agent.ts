// A real agent process (`node bin/zk-relay-agent.mjs run …`) for e2e tests, with its JSON log lines kept.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signalGroup, spawnGroup, stopGroup, type GroupProcess } from "../../../scripts/lib/processes";
import { ROOT } from "./bundle";

export interface AgentProcess {
  readonly pid: number;
  /** Every output line; JSON lines parsed, others kept as `{ raw }`. */
  readonly logs: Record<string, unknown>[];
  /** Settles with the exit code or signal name. */
  readonly exited: Promise<number | string>;
  /** SIGKILL to the whole group: no drain, no goodbye (a crash or a pulled plug). */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** Sends `signal` to the group (SIGSTOP / SIGCONT freeze and thaw it; SIGTERM starts the drain). */
  signal(signal: NodeJS.Signals): void;
}

const live = new Set<GroupProcess>();

// Last line of defence if a test file dies without its afterAll: no agent outlives the test worker.
process.once("exit", () => {
  for (const proc of live) signalGroup(proc.pid, "SIGKILL");
});

/**
 * Spawns an agent dialing `gatewayUrl` (ws://…/agent/connect) with the site `token`. Give `env.ZK_RELAY_STATE_DIR`
 * (the System does: one per system, kept across agent restarts); never the user's default state dir.
 */
export function spawnAgent(gatewayUrl: string, token: string, env: Record<string, string> = {}): AgentProcess {
  const logs: Record<string, unknown>[] = [];
  const proc = spawnGroup(
    "agent",
    process.execPath,
    [join(ROOT, "bin/zk-relay-agent.mjs"), "run", "--gateway", gatewayUrl, "--token", token],
    {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1", ZK_RELAY_STATE_DIR: join(tmpdir(), `zk-relay-agent-${process.pid}-${Date.now()}`), ...env },
      onLine: (line) => {
        try {
          const parsed: unknown = JSON.parse(line);
          logs.push(typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : { raw: line });
        } catch {
          logs.push({ raw: line });
        }
      },
    },
  );
  live.add(proc);
  void proc.exited.then(() => live.delete(proc));
  return {
    pid: proc.pid,
    logs,
    exited: proc.exited,
    async kill() {
      signalGroup(proc.pid, "SIGKILL");
      await proc.exited;
      await stopGroup(proc, 0);
      live.delete(proc);
    },
    async stop() {
      await stopGroup(proc, 5000);
      live.delete(proc);
    },
    signal(signal) {
      signalGroup(proc.pid, signal);
    },
  };
}

/** Stops every agent this worker spawned and has not stopped yet (afterAll safety net). */
export async function stopAllAgents(): Promise<void> {
  await Promise.all([...live].map((proc) => stopGroup(proc, 3000)));
  live.clear();
}
