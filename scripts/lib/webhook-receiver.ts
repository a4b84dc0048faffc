// A webhook receiver on 127.0.0.1 for tests, benchmarks and the demo: verifies signatures, can fail the first N attempts.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { verifySignature } from "./webhook-verify";

export interface Received {
  /** Path the delivery was POSTed to (one per webhook in tests: /hooks/<name>). */
  path: string;
  eventId: string | undefined;
  deliveryId: string | undefined;
  attempt: number;
  body: string;
  /** Signature checked against the path's secret; null when no secret was configured for it. */
  verified: boolean | null;
  /** What the receiver answered. */
  status: number;
  /** Epoch ms it arrived. */
  at: number;
}

export interface PathBehaviour {
  /** Answer `failStatus` to the first N POSTs to this path (default 0). */
  failFirst?: number;
  failStatus?: number;
  /** Verify signatures with this secret; a bad signature is answered 401. */
  secret?: string;
}

export interface WebhookReceiver {
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  configure(path: string, behaviour: PathBehaviour): void;
  /** Everything POSTed to `path` (every path when omitted), in arrival order, failures included. */
  received(path?: string): Received[];
  /** Only what was acknowledged (answered 2xx). */
  accepted(path?: string): Received[];
  /** Closes the listener (deliveries then fail with "connection refused") until start(). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Starts the receiver on 127.0.0.1 (`port` 0: one the system picks); `defaults` applies to paths not configured. */
export async function startReceiver(port = 0, defaults: PathBehaviour = {}): Promise<WebhookReceiver> {
  const behaviours = new Map<string, PathBehaviour>();
  const counts = new Map<string, number>();
  const log: Received[] = [];
  let server: Server | undefined;

  const handler = async (req: IncomingMessage, res: import("node:http").ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://receiver");
    const path = url.pathname;
    // Control routes, for tests that run in another process (workerd): configure a path, read what it received.
    if (path === "/_control/configure" && req.method === "POST") {
      behaviours.set(url.searchParams.get("path") ?? "/", JSON.parse(await readBody(req)) as PathBehaviour);
      res.writeHead(204).end();
      return;
    }
    if (path === "/_control/received" && req.method === "GET") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(pick(url.searchParams.get("path") ?? undefined)));
      return;
    }
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    const body = await readBody(req);
    const b = behaviours.get(path) ?? defaults;
    const n = (counts.get(path) ?? 0) + 1;
    counts.set(path, n);
    const header = req.headers["zk-relay-signature"];
    const verified = b.secret === undefined ? null : verifySignature(b.secret, body, Array.isArray(header) ? header[0] : header);
    const status = verified === false ? 401 : n <= (b.failFirst ?? 0) ? (b.failStatus ?? 503) : 204;
    const one = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h);
    log.push({
      path,
      eventId: one(req.headers["zk-relay-event-id"]),
      deliveryId: one(req.headers["zk-relay-delivery-id"]),
      attempt: Number(one(req.headers["zk-relay-attempt"]) ?? 0),
      body,
      verified,
      status,
      at: Date.now(),
    });
    res.writeHead(status).end();
  };

  const pick = (path?: string) => (path === undefined ? log : log.filter((r) => r.path === path));
  let bound = port;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((req, res) => void handler(req, res).catch(() => res.writeHead(500).end()));
      // Longer than any client keeps an idle connection: closing one just as it is reused would fail a delivery.
      s.keepAliveTimeout = 120_000;
      s.once("error", reject);
      s.listen(bound, "127.0.0.1", () => {
        bound = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });
  const shut = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      if (!s) return resolve();
      s.close(() => resolve());
      s.closeAllConnections();
    });

  await listen();
  return {
    get port() {
      return bound;
    },
    get url() {
      return `http://127.0.0.1:${bound}`;
    },
    configure: (path, behaviour) => void behaviours.set(path, behaviour),
    received: (path) => [...pick(path)],
    accepted: (path) => pick(path).filter((r) => r.status >= 200 && r.status < 300),
    stop: shut,
    async start() {
      // The port was ours a moment ago; another listener may hold it briefly (TIME_WAIT does not block listen).
      for (let i = 0; ; i++) {
        try {
          return await listen();
        } catch (err) {
          if (i >= 40) throw err;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    },
    close: shut,
  };
}
