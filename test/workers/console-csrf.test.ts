// The console's CSRF token and CSP as pure logic (in workerd, where the gateway code runs): tokens per session, checks that fail closed.
import { describe, expect, test } from "vitest";
import { csrfMatches, csrfTokenFor } from "../../gateway/ui/csrf";
import { CONSOLE_CSP } from "../../gateway/ui/headers";

describe("console CSRF token", () => {
  test("one token per session id, stable for that session, unrelated to another's", async () => {
    const a = await csrfTokenFor("session-a");
    expect(await csrfTokenFor("session-a")).toBe(a);
    expect(await csrfTokenFor("session-b")).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toContain("session-a");
  });

  test("only the exact token matches; missing, empty, non-text and oversized values never do", async () => {
    const t = await csrfTokenFor("sid");
    expect(await csrfMatches(t, t)).toBe(true);
    expect(await csrfMatches(t, t.toUpperCase())).toBe(false);
    expect(await csrfMatches(t, t.slice(1))).toBe(false);
    expect(await csrfMatches(t, `${t} `)).toBe(false);
    for (const bad of [undefined, null, "", 42, [t], new File([t], "x"), "x".repeat(300)]) {
      expect(await csrfMatches(t, bad)).toBe(false);
    }
  });
});

describe("console CSP", () => {
  test("no script of any origin, nothing from elsewhere, no framing", () => {
    const directives = Object.fromEntries(CONSOLE_CSP.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1).join(" ")]));
    expect(directives).toEqual({
      "default-src": "'self'",
      "script-src": "'none'",
      "style-src": "'self'",
      "img-src": "'self'",
      "form-action": "'self'",
      "frame-ancestors": "'none'",
      "base-uri": "'none'",
      "object-src": "'none'",
    });
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });
});
