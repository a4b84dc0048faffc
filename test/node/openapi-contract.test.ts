// The generated openapi.json against `redocly lint` (recommended rules, examples validated against their schemas).
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, test } from "vitest";
import { buildOpenApi } from "../../gateway/openapi";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const REDOCLY = join(ROOT, "node_modules/.bin/redocly");
const dir = mkdtempSync(join(tmpdir(), "zk-relay-openapi-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Problem {
  ruleId: string;
  severity: string;
  message: string;
  location: { pointer: string }[];
}
interface Report {
  totals: { errors: number; warnings: number; ignored: number };
  problems: Problem[];
}

/** `redocly lint` of `spec` with the repository's redocly.yaml and the committed ignore list; its JSON report. */
async function lint(spec: unknown): Promise<Report> {
  writeFileSync(join(dir, "openapi.json"), JSON.stringify(spec, null, 2));
  copyFileSync(join(ROOT, "redocly.yaml"), join(dir, "redocly.yaml"));
  copyFileSync(join(ROOT, "test/node/openapi.lint-ignore.yaml"), join(dir, ".redocly.lint-ignore.yaml"));
  const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" };
  // Exit status 1 means "problems found": the report is still on stdout.
  const out = await run(REDOCLY, ["lint", "openapi.json", "--format=json"], { cwd: dir, env, maxBuffer: 32 << 20 }).catch(
    (e: { stdout?: string }) => ({ stdout: e.stdout ?? "" }),
  );
  return JSON.parse(out.stdout) as Report;
}

const summary = (r: Report) => r.problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer}: ${p.message.slice(0, 200)}`);

describe("openapi.json", () => {
  test("passes redocly lint (recommended rules) with no error and no warning; every example matches its schema", async () => {
    const report = await lint(buildOpenApi("0.1.0"));
    expect(summary(report)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 60_000);

  test("the lint would catch a documented example that breaks its schema", async () => {
    const spec = buildOpenApi("0.1.0") as { paths: Record<string, Record<string, { responses: Record<string, any> }>> };
    const examples = spec.paths["/devices/{id}/users"]!.get!.responses["404"].content["application/json"].examples;
    examples.DEVICE_NOT_FOUND.value.code = "NO_SUCH_CODE";
    const report = await lint(spec);
    expect(report.problems.map((p) => p.ruleId)).toContain("no-invalid-media-type-examples");
    expect(report.totals.errors).toBeGreaterThan(0);
  }, 60_000);
});
