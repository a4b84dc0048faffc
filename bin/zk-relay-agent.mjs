#!/usr/bin/env node
// zk-relay-agent: the on-site agent (`run`) and the technician's direct device CLI (`device …`), compiled to dist-node/.
await import("../dist-node/zk-relay-agent.mjs").catch((err) => {
  // Only "not built" gets the hint; a missing dependency or a bug is reported as it is.
  if (err?.code !== "ERR_MODULE_NOT_FOUND" || !String(err.message).includes("dist-node")) throw err;
  console.error("zk-relay-agent: not built yet: run `npm run build` (npm ci does it)");
  process.exit(1);
});
