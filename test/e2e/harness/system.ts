// The whole system for one e2e test file: gateway (workerd), a site, simulated terminals, a real agent process.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Simulator } from "../../../agent/zk/sim/types";
import { waitFor, type ApiClient } from "../../../scripts/lib/api-client";
import { agentStatus, ensureSite, upsertDevice, type DeviceSpec } from "../../../scripts/lib/registry";
import { startTerminal, type TerminalSpec } from "../../../scripts/lib/terminals";
import { spawnAgent, stopAllAgents, type AgentProcess } from "./agent";
import { startGateway, type Gateway, type GatewayOptions } from "./gateway";

export interface TerminalSetup {
  transport: "tcp" | "udp";
  /** Registry timeout in seconds (default 2: tests want failures answered quickly). */
  timeout?: number;
  sim: TerminalSpec;
}

export interface SystemOptions {
  /** Site id (default "e2e"). */
  site?: string;
  terminals?: Record<string, TerminalSetup>;
  /** Start an agent and wait until the gateway lists it connected (default true). */
  agent?: boolean;
  gateway?: GatewayOptions;
  /**
   * Extra environment of every agent process (timing knobs). Live sessions (docs/events.md §4) are off unless a
   * test turns them on with `ZK_RELAY_LIVE: "1"`: the other tests watch the command sequences of single operations.
   */
  agentEnv?: Record<string, string>;
}

export interface System {
  readonly gateway: Gateway;
  /** Admin-key client of the gateway. */
  readonly api: ApiClient;
  readonly site: string;
  /** The site's agent token. */
  readonly token: string;
  readonly sims: Record<string, Simulator>;
  /** The current agent process, if one runs. */
  readonly agent: AgentProcess | undefined;
  /** The agents' state dir (outbox, disabled terminals): one per system, kept across agent restarts. */
  readonly stateDir: string;
  /** Spawns an agent (stopping a previous one first) and waits until the gateway shows it connected. */
  startAgent(env?: Record<string, string>): Promise<AgentProcess>;
  /** Waits until `GET /admin/sites` shows the site's agent (dis)connected. */
  waitAgent(connected: boolean, timeoutMs?: number): Promise<void>;
  /** Registers (or updates) a device of this site. */
  addDevice(spec: Omit<DeviceSpec, "site">): Promise<void>;
  close(): Promise<void>;
}

/** Boots everything; on any failure what was started is stopped again before the error propagates. */
export async function startSystem(opts: SystemOptions = {}): Promise<System> {
  const site = opts.site ?? "e2e";
  const sims: Record<string, Simulator> = {};
  let gateway: Gateway | undefined;
  let agent: AgentProcess | undefined;
  const stateDir = await mkdtemp(join(tmpdir(), "zk-relay-agent-state-"));

  const close = async () => {
    await agent?.stop().catch(() => {});
    await stopAllAgents();
    await Promise.all(Object.values(sims).map((s) => s.close().catch(() => {})));
    await gateway?.stop();
    await rm(stateDir, { recursive: true, force: true });
  };

  try {
    gateway = await startGateway(opts.gateway);
    const api = gateway.admin;
    const token = await ensureSite(api, site, `Site ${site}`);
    const addDevice = (spec: Omit<DeviceSpec, "site">) => upsertDevice(api, { ...spec, site });
    for (const [id, setup] of Object.entries(opts.terminals ?? {})) {
      sims[id] = await startTerminal(setup.sim);
      await addDevice({
        id,
        ip: "127.0.0.1",
        port: sims[id]!.port,
        transport: setup.transport,
        password: setup.sim.commKey ?? 0,
        timeout: setup.timeout ?? 2,
      });
    }
    const gw = gateway;
    const waitAgent = async (connected: boolean, timeoutMs = 15_000) => {
      await waitFor(
        `agent of site '${site}' ${connected ? "connected" : "disconnected"}`,
        async () => ((await agentStatus(api, site))?.connected === connected ? true : undefined),
        { timeoutMs, intervalMs: 50 },
      );
    };
    const startAgent = async (env: Record<string, string> = {}) => {
      await agent?.stop();
      agent = spawnAgent(gw.agentUrl, token, { ZK_RELAY_STATE_DIR: stateDir, ZK_RELAY_LIVE: "0", ...opts.agentEnv, ...env });
      try {
        await waitAgent(true);
      } catch (err) {
        const tail = agent.logs.slice(-10).map((l) => JSON.stringify(l)).join("\n");
        throw new Error(`${(err as Error).message}\nagent output:\n${tail}`);
      }
      return agent;
    };
    if (opts.agent ?? true) await startAgent();
    return {
      gateway: gw,
      api,
      site,
      token,
      sims,
      stateDir,
      get agent() {
        return agent;
      },
      startAgent,
      waitAgent,
      addDevice,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
