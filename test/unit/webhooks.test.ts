// Webhook pieces without a runtime: the retry schedule, the URL rules, and the signature as a Node receiver checks it.
import { createHmac } from "node:crypto";
import { describe, expect, test } from "vitest";
import { retryDelayS, windowClosed } from "../../gateway/webhooks/backoff";
import { signatureHeader } from "../../gateway/webhooks/crypto";
import { urlProblem } from "../../gateway/webhooks/url-policy";
import { verifySignature } from "../../scripts/lib/webhook-verify";

describe("retry schedule (docs/webhooks.md §4)", () => {
  const cfg = { retryBaseS: 5, retryMaxS: 3600 };
  test("doubles from the base and stops growing at the cap; jitter keeps it between half and all of it", () => {
    const low = [1, 2, 3, 4, 5, 12, 40].map((n) => retryDelayS(n, cfg, () => 0));
    const high = [1, 2, 3, 4, 5, 12, 40].map((n) => retryDelayS(n, cfg, () => 0.999999));
    expect(low).toEqual([3, 5, 10, 20, 40, 1800, 1800]);
    expect(high).toEqual([5, 10, 20, 40, 80, 3600, 3600]);
  });
  test("never under a second (a queue delay is whole seconds)", () => {
    expect(retryDelayS(1, { retryBaseS: 1, retryMaxS: 1 }, () => 0)).toBe(1);
  });
  test("a 24 h window: the attempts of a dead receiver stay few (about 30), not thousands", () => {
    let t = 0;
    let attempts = 0;
    while (t < 24 * 3600) t += retryDelayS(++attempts, cfg, () => 0.5);
    expect(attempts).toBeGreaterThan(20);
    expect(attempts).toBeLessThan(45);
  });
  test("the window closes 24 h after it started", () => {
    const start = "2026-12-01T00:00:00.000Z";
    const at = (h: number) => Date.parse(start) + h * 3600_000;
    expect(windowClosed(start, at(23.9), { retryWindowS: 86400 })).toBe(false);
    expect(windowClosed(start, at(24), { retryWindowS: 86400 })).toBe(true);
  });
});

describe("webhook URLs (docs/webhooks.md §3)", () => {
  test.each([
    "https://hooks.example.com/zk",
    "https://203.0.113.7:8443/x",
    "https://[2001:db8::1]/x",
  ])("accepted in production: %s", (url) => expect(urlProblem(url, false)).toBeNull());

  test.each([
    "http://hooks.example.com/zk",
    "https://127.0.0.1/x",
    "https://localhost:9000/x",
    "https://[::1]/x",
    "https://10.0.0.5/x",
    "https://172.20.1.1/x",
    "https://192.168.1.10/x",
    "https://169.254.169.254/x",
    "https://100.64.0.1/x",
    "https://0.0.0.0/x",
    "https://[fe80::1]/x",
    "https://[fc00::1]/x",
    "https://[::ffff:10.0.0.1]/x",
    "https://2130706433/x",
    "https://0x7f.0.0.1/x",
    "https://intranet/x",
    "https://nas.local/x",
    "https://svc.internal/x",
    "https://u:p@hooks.example.com/x",
    "javascript:alert(1)",
    "not a url",
  ])("refused in production: %s", (url) => expect(urlProblem(url, false)).toEqual(expect.any(String)));

  test("the dev setting allows http and loopback, and nothing private beyond it", () => {
    expect(urlProblem("http://127.0.0.1:9999/hook", true)).toBeNull();
    expect(urlProblem("http://localhost:9999/hook", true)).toBeNull();
    expect(urlProblem("http://[::1]:9999/hook", true)).toBeNull();
    expect(urlProblem("http://192.168.1.10/hook", true)).toEqual(expect.any(String));
    expect(urlProblem("http://hooks.example.com/hook", true)).toEqual(expect.any(String));
  });
});

describe("ZK-Relay-Signature", () => {
  const secret = "whsec_test";
  const body = '{"id":"evt-1","type":"attendance"}';
  test("is t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"t.body\")>, as Node's crypto computes it", async () => {
    const now = Date.parse("2026-12-04T08:00:00Z");
    const header = await signatureHeader(secret, body, now);
    const t = now / 1000;
    expect(header).toBe(`t=${t},v1=${createHmac("sha256", secret).update(`${t}.${body}`).digest("hex")}`);
    expect(verifySignature(secret, body, header, 300, now)).toBe(true);
  });
  test("the README's check refuses another secret, a changed body, a stale timestamp and garbage", async () => {
    const now = Date.now();
    const header = await signatureHeader(secret, body, now);
    expect(verifySignature("whsec_other", body, header, 300, now)).toBe(false);
    expect(verifySignature(secret, body.replace("1", "2"), header, 300, now)).toBe(false);
    expect(verifySignature(secret, body, header, 300, now + 301_000)).toBe(false);
    expect(verifySignature(secret, body, "t=1,v1=zz", 300, now)).toBe(false);
    expect(verifySignature(secret, body, undefined, 300, now)).toBe(false);
  });
});
