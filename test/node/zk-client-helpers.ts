// Shared helpers for the ZK client tests: loopback ports where nothing answers, simulator bookkeeping.
import { createServer } from "node:net";
import { createSocket, type Socket } from "node:dgram";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../agent/zk/sim";

export const HOST = "127.0.0.1";

/** A TCP (and most likely UDP) port on loopback where nothing listens: bound on port 0, noted, closed. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A UDP socket that receives and never answers; close it when done. */
export async function silentUdp(): Promise<{ port: number; socket: Socket; received: () => number }> {
  const socket = createSocket("udp4");
  let count = 0;
  socket.on("message", () => count++);
  await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
  return { port: socket.address().port, socket, received: () => count };
}

/** Starts simulators and closes them all in afterEach/afterAll. */
export function simulatorPool() {
  const live = new Set<Simulator>();
  return {
    async start(opts: SimulatorOptions): Promise<Simulator> {
      const sim = await startSimulator({ host: HOST, port: 0, ...opts });
      live.add(sim);
      return sim;
    },
    async closeAll(): Promise<void> {
      await Promise.all([...live].map((s) => s.close()));
      live.clear();
    },
  };
}
