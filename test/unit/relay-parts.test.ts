// Responses in parts (docs/relay.md §2): split by the agent, joined by the gateway in index order, bounded.
import { describe, expect, it } from "vitest";
import { PartBuffer } from "../../gateway/relay/parts";
import { MAX_FRAME_BYTES, parseJoinedResponse, splitIntoParts } from "../../shared/relay";
import { responseTexts } from "../../agent/relay/requests";

const response = (n: number) => ({ v: 1 as const, type: "response" as const, id: "r1", ok: true as const, result: { records: Array.from({ length: n }, (_, i) => ({ user_id: `ü${i}`, n: i })) } });

describe("response parts", () => {
  it("sends a small response whole and a large one in parts no frame of which is over the limit", () => {
    expect(responseTexts(response(3))).toHaveLength(1);
    const big = response(400_000);
    const texts = responseTexts(big);
    expect(texts.length).toBeGreaterThan(1);
    for (const t of texts) expect(Buffer.byteLength(t)).toBeLessThan(MAX_FRAME_BYTES);
    const parts = texts.map((t) => JSON.parse(t) as { data: string });
    expect(parseJoinedResponse(parts.map((p) => p.data).join(""))).toEqual(big);
  });

  it("joins parts whatever order they come in, once all are there", () => {
    const text = JSON.stringify(response(50));
    const parts = splitIntoParts("r1", text, 100);
    const buffer = new PartBuffer();
    const shuffled = [...parts].reverse();
    for (const p of shuffled.slice(0, -1)) expect(buffer.add(p)).toBeUndefined();
    expect(buffer.add(shuffled.at(-1)!)).toBe(text);
    expect(buffer.size).toBe(0);
  });

  it("drops a response whose parts disagree on their count, and stale ones", () => {
    const parts = splitIntoParts("r2", "x".repeat(300), 100);
    const buffer = new PartBuffer();
    buffer.add(parts[0]!, 0);
    expect(buffer.add({ ...parts[1]!, count: 5 }, 0)).toBeUndefined();
    expect(buffer.size).toBe(0);
    buffer.add(parts[0]!, 0);
    buffer.add(splitIntoParts("r3", "y".repeat(200), 100)[0]!, 30 * 60_000);
    expect(buffer.size).toBe(1);
  });

  it("reads only valid response frames from joined text", () => {
    expect(parseJoinedResponse("{not json")).toBeUndefined();
    expect(parseJoinedResponse(JSON.stringify({ v: 1, type: "request" }))).toBeUndefined();
  });
});
