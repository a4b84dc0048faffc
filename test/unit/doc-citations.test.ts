// Citations in source and test files resolve to headings of docs/, and nothing cites a document outside the repo.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SELF = relative(ROOT, fileURLToPath(import.meta.url));

/** Where comments live: every source, test, script and config folder (build output and results excluded). */
const SOURCE_DIRS = ["agent", "gateway", "shared", "test", "bench", "scripts", "bin", "deploy", ".ci"];
const ROOT_FILES = ["vitest.config.ts", "wrangler.toml", "tsconfig.json", "tsconfig.node.json"];
const SOURCE_FILE = /\.(ts|tsx|mts|cts|js|mjs|cjs|sql|toml|sh|ps1|service|json)$|^run$/;
const SKIP_DIRS = new Set(["node_modules", "dist", "build", ".wrangler", "results", "coverage"]);

/** Names of documents that live outside the repository (the notes this project started from). */
const OUTSIDE = [
  /\bzk-protocol\b/,
  /\bDESIGN(?:\.md)?\s*§|\bDESIGN\.md\b/,
  /\bSTYLE(?:\.md)?\s*§|\bSTYLE\.md\b/,
  /\btoolchain(?:\.md)?\b[^\n]{0,20}(?:gotcha|§)|\btoolchain\.md\b/i,
  /\bgateway-api\.md\b/,
  /\bseed\/[\w-]+\.txt\b/,
  /\.\.\/shared\/[\w-]+\.md\b/,
  /\/work\//,
];

type Docs = Map<string, { sections: Set<string>; anchors: Set<string> }>;

function loadDocs(): Docs {
  const docs: Docs = new Map();
  for (const name of readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md"))) {
    const sections = new Set<string>();
    const anchors = new Set<string>();
    for (const line of readFileSync(join(ROOT, "docs", name), "utf8").split("\n")) {
      const h = /^#{1,6}\s+(.+?)\s*$/.exec(line);
      if (!h) continue;
      const n = /^(\d+(?:\.\d+)*)\.?\s/.exec(h[1]!);
      if (n) sections.add(n[1]!);
      anchors.add(h[1]!.toLowerCase().replace(/[^\w\- ]/g, "").replace(/ /g, "-"));
    }
    docs.set(name, { sections, anchors });
  }
  return docs;
}

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (!SKIP_DIRS.has(name)) walk(path);
      } else if (SOURCE_FILE.test(name)) out.push(relative(ROOT, path));
    }
  };
  for (const d of SOURCE_DIRS) walk(join(ROOT, d));
  return [...out, ...ROOT_FILES.filter((f) => existsSync(join(ROOT, f)))].filter((f) => f !== SELF);
}

const CITATION = /docs\/([\w-]+\.md)(#[\w-]+)?|§\s?(\d+(?:\.\d+)*)/g;

/**
 * Problems with the citations of one file's text. `docs/<file>.md §N` must name a heading numbered N in that
 * file; a bare `§N` refers to the last docs file named before it in the same file, so a file names its docs
 * file at least once before citing bare sections.
 */
export function citationProblems(text: string, file: string, docs: Docs): string[] {
  const problems: string[] = [];
  const lines = text.split("\n");
  let current: string | undefined;
  lines.forEach((line, i) => {
    const at = `${file}:${i + 1}`;
    for (const re of OUTSIDE) {
      const m = re.exec(line);
      if (m) problems.push(`${at} cites "${m[0]}", which is outside the repository: cite docs/ instead`);
    }
    for (const m of line.matchAll(/(?<![\w/.-])((?:[\w.-]+\/)*[\w.-]+\.md)\b/g)) {
      const path = m[1]!;
      if (path.startsWith("docs/")) continue;
      if (!existsSync(join(ROOT, path)) && !existsSync(join(ROOT, dirname(file), path))) {
        problems.push(`${at} mentions ${path}, which is not in the repository`);
      }
    }
    for (const m of line.matchAll(CITATION)) {
      if (m[1] !== undefined) {
        const doc = docs.get(m[1]);
        if (!doc) problems.push(`${at} cites docs/${m[1]}, which does not exist`);
        else if (m[2] !== undefined && !doc.anchors.has(m[2].slice(1))) problems.push(`${at} cites docs/${m[1]}${m[2]}: no such heading`);
        current = m[1];
        continue;
      }
      const section = m[3]!;
      if (current === undefined) {
        problems.push(`${at} cites §${section} before naming a docs file: write docs/<file>.md §${section}`);
      } else if (!docs.get(current)?.sections.has(section)) {
        problems.push(`${at} cites §${section} of docs/${current}, which has no heading numbered ${section}`);
      }
    }
  });
  return problems;
}

const docs = loadDocs();

describe("documentation citations", () => {
  test("every docs/ file has unique, stable section numbers", () => {
    for (const name of docs.keys()) {
      const numbers = readFileSync(join(ROOT, "docs", name), "utf8")
        .split("\n")
        .map((l) => /^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s/.exec(l)?.[1])
        .filter((n): n is string => n !== undefined);
      expect(numbers, name).toEqual([...new Set(numbers)]);
    }
    expect(docs.get("protocol.md")?.sections.has("7.6")).toBe(true);
  });

  test("every citation in source and test files resolves to a heading in docs/", () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(100);
    const problems = files.flatMap((f) => citationProblems(readFileSync(join(ROOT, f), "utf8"), f, docs));
    expect(problems).toEqual([]);
  });

  test("cross-references inside docs/ resolve", () => {
    const problems: string[] = [];
    for (const name of docs.keys()) {
      readFileSync(join(ROOT, "docs", name), "utf8")
        .split("\n")
        .forEach((line, i) => {
          for (const m of line.matchAll(/docs\/([\w-]+\.md)`? §(\d+(?:\.\d+)*)/g)) {
            if (!docs.get(m[1]!)?.sections.has(m[2]!)) problems.push(`docs/${name}:${i + 1} cites docs/${m[1]} §${m[2]}`);
          }
          for (const m of line.matchAll(/\]\(([\w-]+\.md)(?:#[\w-]+)?\)/g)) {
            if (!docs.has(m[1]!)) problems.push(`docs/${name}:${i + 1} links ${m[1]}`);
          }
          // Repository paths the docs name must exist (a renamed module leaves a stale doc behind).
          for (const m of line.matchAll(/`((?:agent|gateway|shared|test|bench|scripts|bin|deploy)\/[\w./-]*)`/g)) {
            if (!existsSync(join(ROOT, m[1]!))) problems.push(`docs/${name}:${i + 1} names ${m[1]}, which does not exist`);
          }
          for (const m of line.matchAll(/(?<!docs\/[\w-]+\.md`? )(?<!`)§(\d+(?:\.\d+)*)/g)) {
            if (!docs.get(name)!.sections.has(m[1]!)) problems.push(`docs/${name}:${i + 1} cites its own §${m[1]}`);
          }
        });
    }
    expect(problems).toEqual([]);
  });

  test("the checker itself catches what it is meant to catch", () => {
    const check = (text: string) => citationProblems(text, "agent/x.ts", docs);
    expect(check("// docs/protocol.md §7.6: one frame per chunk\n// and §2.2 too")).toEqual([]);
    expect(check("// zk-protocol §7.6")).toHaveLength(2); // outside the repo, and a bare § with no docs file
    expect(check("// docs/protocol.md §99.1")).toEqual(["agent/x.ts:1 cites §99.1 of docs/protocol.md, which has no heading numbered 99.1"]);
    expect(check("// docs/nope.md")).toEqual(["agent/x.ts:1 cites docs/nope.md, which does not exist"]);
    expect(check("// see DESIGN §3 and toolchain gotcha 9")).toHaveLength(3);
    expect(check("// notes.md says so")).toEqual(["agent/x.ts:1 mentions notes.md, which is not in the repository"]);
  });
});
