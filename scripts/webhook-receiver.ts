// `WEBHOOK_SECRET=whsec_… npm run receiver -- --port 9000`: a local webhook receiver that prints each delivery and whether its signature holds.
import { parseArgs } from "node:util";
import { startReceiver } from "./lib/webhook-receiver";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "9000" },
    secret: { type: "string" },
    "fail-first": { type: "string", default: "0" },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port: not a port number: ${values.port}`);
  process.exit(2);
}

// The secret from the environment is preferred: npm echoes a script's arguments, and process lists show them.
const secret = process.env.WEBHOOK_SECRET || values.secret;
// Every path gets the same behaviour: check signatures with the secret, answer 503 to the first --fail-first POSTs.
const receiver = await startReceiver(port, { secret, failFirst: Number(values["fail-first"]) || 0 });
console.log(`listening on ${receiver.url} (any path)${secret ? "; verifying signatures" : "; no WEBHOOK_SECRET: signatures not checked"}`);

let printed = 0;
setInterval(() => {
  const all = receiver.received();
  for (const r of all.slice(printed)) {
    const mark = r.verified === null ? "unchecked" : r.verified ? "signature ok" : "BAD SIGNATURE";
    console.log(`${new Date(r.at).toISOString()} ${r.status} ${mark} event ${r.eventId} (attempt ${r.attempt}) ${r.body}`);
  }
  printed = all.length;
}, 200);
const stop = () => void receiver.close().then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
