// vitest globalSetup of the node project: tests that spawn the bins run the JavaScript compiled from this very source.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function buildBins(): void {
  const root = fileURLToPath(new URL("..", import.meta.url));
  execFileSync(process.execPath, ["scripts/build-bins.mjs", "--quiet"], { cwd: root, stdio: "inherit" });
}
