// Client → device data upload: FREE_DATA, PREPARE_DATA size, CMD_DATA ≤ 1024 bytes each acked (docs/protocol.md §7.8).
import { CMD, UDP_DATA_MAX, u32Payload } from "../codec";
import type { ZkConnection } from "./connection";
import { command } from "./reply";
import { freeData } from "./bulk-read";

/** Puts `data` in the device's transfer buffer, ready for a consuming command (110, 87). */
export async function uploadBuffer(conn: ZkConnection, data: Uint8Array): Promise<void> {
  await freeData(conn);
  // pyzk announces the size as a bare u32 (4 bytes) when uploading.
  await command(conn, CMD.prepareData, u32Payload(data.length));
  for (let pos = 0; pos < data.length; pos += UDP_DATA_MAX) {
    await command(conn, CMD.data, data.subarray(pos, pos + UDP_DATA_MAX));
  }
}
