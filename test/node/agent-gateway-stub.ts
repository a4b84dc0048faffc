// A WebSocket server on 127.0.0.1:0 playing the gateway's /agent/connect for the agent's relay tests.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

export interface StubOptions {
  /** Accepted bearer token (default "t"). */
  token?: string;
  /** Answer every upgrade with this HTTP status instead (e.g. 503). */
  status?: number;
  /** Do not answer application pings (to test the agent's silence detection). */
  silent?: boolean;
  /** The gateway's clock, sent as the Date header of the 101 response (ws sends none by default). */
  clock?: () => Date;
}

export interface StubConnection {
  ws: WebSocket;
  /** Every text frame received, parsed. */
  frames: Array<Record<string, unknown>>;
  authorization: string | undefined;
  /** Resolves with the first frame (already received or future) matching `pred`. */
  next(pred: (f: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  send(frame: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
}

export interface GatewayStub {
  port: number;
  url: string;
  /** Upgrade attempts seen, accepted or not. */
  upgrades: number;
  connections: StubConnection[];
  options: StubOptions;
  /** Resolves with connection number `index` (0-based) once it exists. */
  connection(index: number, timeoutMs?: number): Promise<StubConnection>;
  close(): Promise<void>;
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms))),
  ]);
}

export async function startGatewayStub(options: StubOptions = {}): Promise<GatewayStub> {
  const token = options.token ?? "t";
  const server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true });
  wss.on("headers", (headers) => {
    if (options.clock) headers.push(`Date: ${options.clock().toUTCString()}`);
  });
  const waiters: Array<() => void> = [];

  const stub: GatewayStub = {
    port: 0,
    url: "",
    upgrades: 0,
    connections: [],
    options,
    connection(index, timeoutMs = 5000) {
      const ready = new Promise<StubConnection>((resolve) => {
        const check = () => {
          const c = stub.connections[index];
          if (c) resolve(c);
          else waiters.push(check);
        };
        check();
      });
      return within(ready, timeoutMs, `connection #${index}`);
    },
    async close() {
      for (const c of stub.connections) c.ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  server.on("upgrade", (req: IncomingMessage, socket, head) => {
    stub.upgrades++;
    const status = options.status ?? (req.headers.authorization === `Bearer ${token}` ? 101 : 401);
    if (req.url !== "/agent/connect" || status !== 101) {
      const code = req.url !== "/agent/connect" ? 404 : status;
      socket.end(`HTTP/1.1 ${code} Nope\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const frames: Array<Record<string, unknown>> = [];
      const listeners: Array<() => void> = [];
      const conn: StubConnection = {
        ws,
        frames,
        authorization: req.headers.authorization,
        next(pred, timeoutMs = 5000) {
          const found = new Promise<Record<string, unknown>>((resolve) => {
            const check = () => {
              const f = frames.find(pred);
              if (f) resolve(f);
              else listeners.push(check);
            };
            check();
          });
          return within(found, timeoutMs, "a frame");
        },
        send(frame) {
          ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
        },
        closed: new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }))),
      };
      ws.on("message", (data, isBinary) => {
        if (isBinary) return;
        const frame = JSON.parse(data.toString()) as Record<string, unknown>;
        frames.push(frame);
        if (frame.type === "ping" && !options.silent) conn.send({ v: 1, type: "pong", ts: frame.ts });
        for (const l of listeners.splice(0)) l();
      });
      stub.connections.push(conn);
      for (const w of waiters.splice(0)) w();
    });
  });

  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  stub.port = (server.address() as AddressInfo).port;
  stub.url = `ws://127.0.0.1:${stub.port}/agent/connect`;
  return stub;
}

/** A syntactically valid request frame. */
export function requestFrame(id: string, op: string, args: Record<string, unknown> = {}, over: Record<string, unknown> = {}) {
  return {
    v: 1,
    type: "request",
    id,
    op,
    device: { id: "principal", ip: "127.0.0.1", port: 4370, transport: "tcp", password: 0, timeout: 1 },
    args,
    deadline: Date.now() + 10_000,
    ...over,
  };
}
