// Test helper: bytes from a hex dump typed in from docs/protocol.md §13 (independent of the codec's own helpers).

/** "50 50 82 7d" → bytes; whitespace and `|` separators ignored. */
export function hex(text: string): Uint8Array {
  const digits = text.replace(/[\s|]/g, "");
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`bad hex fixture: ${text}`);
  return Uint8Array.from(digits.match(/../g) ?? [], (b) => parseInt(b, 16));
}

/** `n` zero bytes as hex, for the "19 × 00" style of the reference. */
export function zeros(n: number): string {
  return " 00".repeat(n);
}

/** ASCII text as hex bytes. */
export function ascii(text: string): string {
  return Array.from(text, (ch) => ` ${ch.charCodeAt(0).toString(16).padStart(2, "0")}`).join("");
}
