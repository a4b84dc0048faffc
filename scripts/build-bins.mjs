#!/usr/bin/env node
// Compiles the agent CLI and the simulator to plain JavaScript in dist-node/ (the bins run these; no TypeScript loader).
import { existsSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const started = performance.now();

// An installed package ships dist-node/ and no sources: nothing to build.
if (!existsSync(new URL("../agent/cli/main.ts", import.meta.url))) process.exit(0);

// `npm ci --omit=dev` has no esbuild: keep what is there.
let build;
try {
  ({ build } = await import("esbuild"));
} catch {
  if (existsSync(new URL("../dist-node/zk-relay-agent.mjs", import.meta.url))) process.exit(0);
  console.error("build-bins: esbuild is not installed (a dev dependency): run `npm ci`, then `npm run build`");
  process.exit(process.argv.includes("--if-possible") ? 0 : 1);
}

// One ES module per bin, with the modules each command loads on demand (`await import(...)`) split into chunks, so
// `device info` never loads the relay link and `run` never loads the device CLI. Packages stay in node_modules
// (they are the package's dependencies); everything of ours is bundled, so start-up resolves no module of ours.
/**
 * zod's `z.locales` re-exports every language's messages (64 modules, half the bundled zod); we only ever use its
 * default, English. Only zod's own import of its locale index is redirected, to a module with `en` alone.
 */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: args.importer, namespace: "zod-locales" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: 'export { default as en } from "../locales/en.js";',
      resolveDir: dirname(args.path),
      loader: "js",
    }));
  },
};

// Chunk names carry a content hash: start empty, so old chunks never pile up (or get packed).
rmSync(new URL("../dist-node", import.meta.url), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { "zk-relay-agent": "agent/cli/main.ts", "zk-relay-sim": "agent/zk/sim/cli.ts" },
  outdir: "dist-node",
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // zod is bundled (its hundreds of small modules cost ~150 ms to load one by one); the others load from node_modules.
  external: ["ws", "undici", "hono", "@hono/*", "tsx"],
  sourcemap: "linked",
  legalComments: "none",
  minify: true,
  logLevel: "warning",
  plugins: [zodEnglishOnly],
});
if (!process.argv.includes("--quiet")) {
  console.log(`dist-node/ built in ${Math.round(performance.now() - started)} ms`);
}
