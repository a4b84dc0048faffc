// Vendor-style names for logged command codes ("CMD_GET_FREE_SIZES"), derived from the codec's constant tables.
import { CMD, REPLY } from "../codec";

const snake = (key: string) => key.replace(/[A-Z]/g, (m) => `_${m}`).toUpperCase();

const NAMES = new Map<number, string>([
  ...Object.entries(CMD).map(([k, v]): [number, string] => [v, `CMD_${snake(k)}`]),
  ...Object.entries(REPLY).map(([k, v]): [number, string] => [v, `CMD_${snake(k)}`]),
]);

/** "CMD_CONNECT" for 1000, "CMD_1234" for codes we have no name for. */
export function commandName(code: number): string {
  return NAMES.get(code) ?? `CMD_${code}`;
}
