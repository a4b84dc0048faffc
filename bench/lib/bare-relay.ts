// The architecture's floor: HTTP → Worker → Durable Object → WebSocket → a Node echo client and back, nothing else.
// No auth, no registry, no schemas, no terminal: what any relay of this shape costs on this machine, so the
// overhead of ours can be read against it.
import { Log, LogLevel, Miniflare } from "miniflare";
import WebSocket from "ws";
import { sampleSequential, summarize, type Summary } from "./stats";

/** A worker whose Durable Object relays each HTTP request as one WebSocket message and answers with the reply. */
const BARE_WORKER = `
import { DurableObject } from "cloudflare:workers";
export class Bare extends DurableObject {
  waiting = new Map();
  next = 0;
  async fetch(request) {
    if (request.headers.get("upgrade") === "websocket") {
      const pair = new WebSocketPair();
      this.ctx.acceptWebSocket(pair[1]);
      return new Response(null, { status: 101, webSocket: pair[0] });
    }
    const [ws] = this.ctx.getWebSockets();
    if (!ws) return new Response("no client", { status: 503 });
    const id = String(++this.next);
    const reply = new Promise((resolve) => this.waiting.set(id, resolve));
    ws.send(JSON.stringify({ id, path: new URL(request.url).pathname }));
    return new Response(await reply, { headers: { "content-type": "application/json" } });
  }
  webSocketMessage(_ws, text) {
    const { id } = JSON.parse(text);
    this.waiting.get(id)?.(text);
    this.waiting.delete(id);
  }
}
export default {
  fetch(request, env) {
    return env.BARE.get(env.BARE.idFromName("site")).fetch(request);
  },
};
`;

/** Median and tail of `calls` sequential GETs through the bare relay, after `warmup` unmeasured ones. */
export async function measureBareRelay(calls: number, warmup: number): Promise<Summary> {
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    modules: true,
    script: BARE_WORKER,
    compatibilityDate: "2026-04-26",
    durableObjects: { BARE: { className: "Bare", useSQLite: true } },
    log: new Log(LogLevel.WARN),
    cf: false,
  });
  const url = await mf.ready;
  const ws = new WebSocket(`ws://127.0.0.1:${url.port}/connect`, { perMessageDeflate: false });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    // The echo client: the agent's place, answering every message at once with its id.
    ws.on("message", (data) => ws.send(data.toString()));
    const target = `http://127.0.0.1:${url.port}/devices/x/time`;
    return summarize(
      await sampleSequential(calls, warmup, async () => {
        const answer = await fetch(target);
        if (answer.status !== 200) throw new Error(`bare relay answered ${answer.status}`);
        await answer.text();
      }),
    );
  } finally {
    ws.close();
    await mf.dispose();
  }
}
