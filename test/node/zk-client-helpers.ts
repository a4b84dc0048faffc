// Shared helpers for the ZK client tests: loopback ports where nothing answers, simulator bookkeeping, scripted devices.
import { createServer, type Socket as NetSocket } from "node:net";
import { createSocket, type Socket } from "node:dgram";
import { CMD, REPLY, TcpUnframer, decodePacket, encodePacket, frameTcp, type DecodedPacket, type ZkPacket } from "../../agent/zk/codec";
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

/** One request as a scripted device sees it, and the packets it answers with (reply id = the request's by default). */
export type DeviceScript = (req: DecodedPacket, conn: number) => Array<Partial<ZkPacket> & { command: number }> | "reset" | undefined;

/** A scripted device's handle. */
export interface ScriptedDevice {
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  /** Every request received, in order, over all connections. */
  requests: DecodedPacket[];
  close(): Promise<void>;
}

/**
 * A hand-scripted TCP "device" on 127.0.0.1:0 for replies no honest simulator sends (hostile sizes, resets): each
 * request goes to `script`, which returns packets to send, "reset" to drop the connection, or undefined for silence.
 * `conn` counts connections from 1.
 */
export async function scriptedTcpDevice(script: DeviceScript): Promise<ScriptedDevice> {
  const sockets = new Set<NetSocket>();
  const requests: DecodedPacket[] = [];
  let connections = 0;
  const server = createServer((socket) => {
    const conn = ++connections;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    const unframer = new TcpUnframer();
    socket.on("data", (chunk: Buffer) => {
      for (const bytes of unframer.push(new Uint8Array(chunk))) {
        const req = decodePacket(bytes);
        requests.push(req);
        const answer = script(req, conn);
        if (answer === "reset") return void socket.destroy();
        for (const p of answer ?? []) {
          const packet = { sessionId: 0x45cf, replyId: req.replyId, payload: new Uint8Array(0), ...p };
          socket.write(frameTcp(encodePacket(packet)));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The usual answers of a terminal without a comm key: CONNECT → ACK_OK, and ACK_OK to the simple commands. */
export function plainAnswer(req: DecodedPacket): Array<Partial<ZkPacket> & { command: number }> | undefined {
  const simple: number[] = [CMD.connect, CMD.exit, CMD.enableDevice, CMD.disableDevice, CMD.freeData, CMD.refreshData];
  return simple.includes(req.command) ? [{ command: REPLY.ackOk }] : undefined;
}
