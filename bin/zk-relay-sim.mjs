#!/usr/bin/env node
// zk-relay-sim: a simulated ZKTeco terminal on TCP and UDP (agent/zk/sim), compiled to dist-node/.
await import("../dist-node/zk-relay-sim.mjs").catch((err) => {
  if (err?.code !== "ERR_MODULE_NOT_FOUND" || !String(err.message).includes("dist-node")) throw err;
  console.error("zk-relay-sim: not built yet: run `npm run build` (npm ci does it)");
  process.exit(1);
});
