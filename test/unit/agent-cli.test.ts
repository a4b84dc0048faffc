// `zk-relay-agent run` argument handling: gateway URL forms, env fallbacks, usage errors (no sockets).
import { afterEach, describe, expect, it, vi } from "vitest";
import { agentVersion, gatewayUrl, runAgentCli } from "../../agent/cli/run";

afterEach(() => void vi.restoreAllMocks());

describe("gatewayUrl", () => {
  it.each([
    ["wss://relay.example.com/agent/connect", "wss://relay.example.com/agent/connect"],
    ["ws://127.0.0.1:8787/agent/connect", "ws://127.0.0.1:8787/agent/connect"],
    ["ws://127.0.0.1:8787", "ws://127.0.0.1:8787/agent/connect"],
    ["https://relay.example.com", "wss://relay.example.com/agent/connect"],
    ["https://relay.example.com/", "wss://relay.example.com/agent/connect"],
    ["http://localhost:8787/", "ws://localhost:8787/agent/connect"],
    ["https://example.com/zk/", "wss://example.com/zk/agent/connect"],
    ["wss://relay.example.com/agent/connect/?x=1", "wss://relay.example.com/agent/connect"],
  ])("%s → %s", (input, expected) => {
    expect(gatewayUrl(input)).toBe(expected);
  });

  it("refuses other schemes, junk and embedded credentials", () => {
    expect(() => gatewayUrl("ftp://relay.example.com")).toThrow(/ws:\/\//);
    expect(() => gatewayUrl("not a url")).toThrow(/not a URL/);
    expect(() => gatewayUrl("wss://user:pw@relay.example.com")).toThrow(/credentials/);
  });
});

describe("runAgentCli usage", () => {
  function quiet() {
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    const out = vi.spyOn(console, "log").mockImplementation(() => {});
    return { err, out };
  }

  it("returns 2 without a token or a gateway, naming the missing one (and never echoing a token)", async () => {
    const { err } = quiet();
    expect(await runAgentCli(["--gateway", "ws://127.0.0.1:1/agent/connect"], { env: {} })).toBe(2);
    expect(String(err.mock.calls[0]?.[0])).toContain("missing --token");
    expect(await runAgentCli(["--token", "zkr_site_abcdef"], { env: {} })).toBe(2);
    expect(String(err.mock.calls[1]?.[0])).toContain("missing --gateway");
    expect(err.mock.calls.flat().join("")).not.toContain("zkr_site_abcdef");
  });

  it("returns 2 for unknown flags, a bad log format or a bad URL", async () => {
    quiet();
    expect(await runAgentCli(["--nope"], { env: {} })).toBe(2);
    expect(await runAgentCli(["--log-format", "xml"], { env: { ZK_RELAY_GATEWAY: "ws://127.0.0.1:1", ZK_RELAY_TOKEN: "t" } })).toBe(2);
    expect(await runAgentCli([], { env: { ZK_RELAY_GATEWAY: "gopher://x", ZK_RELAY_TOKEN: "t" } })).toBe(2);
  });

  it("--help prints usage and returns 0", async () => {
    const { out } = quiet();
    expect(await runAgentCli(["--help"], { env: {} })).toBe(0);
    expect(String(out.mock.calls[0]?.[0])).toContain("zk-relay-agent run --gateway");
  });

  it("reads the version from package.json", () => {
    expect(agentVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
