// Client → device uploads (docs/protocol.md §7.8): PREPARE_DATA and CMD_DATA each ACKed, then 110 (batch) or 87 (template).
import { ByteReader, REPLY, concatBytes, decodeUserTemplateBatch, parsePrepareData, u32Payload } from "../codec";
import { storeUser } from "./handlers-data";
import { error, ok, parsed, reply, type Request } from "./request";
import type { Outgoing } from "./session";

/** CMD_PREPARE_DATA 1500 from the client: u32 size (or u16 size + u16 0, §10.5) → ACK_OK. */
export function prepareUpload(req: Request): Outgoing[] {
  return parsed(req, parsePrepareData, ({ size }) => {
    req.session.upload = { announced: size, parts: [], size: 0 };
    return ok(req);
  });
}

/** CMD_DATA 1501 from the client: appended to the upload buffer; every packet gets its own bare ACK_OK. */
export function uploadData(req: Request): Outgoing[] {
  const up = (req.session.upload ??= { announced: 0, parts: [], size: 0 });
  up.parts.push(req.packet.payload);
  up.size += req.packet.payload.length;
  return ok(req);
}

function uploaded(req: Request): Uint8Array | undefined {
  const up = req.session.upload;
  return up ? concatBytes(up.parts) : undefined;
}

/** _CMD_SAVE_USERTEMPS 110 (§10.4): upsert the users of the uploaded blob and attach its templates. */
export function saveUserTemplates(req: Request): Outgoing[] {
  const blob = uploaded(req);
  if (!blob) return error(req);
  let batch: ReturnType<typeof decodeUserTemplateBatch>;
  try {
    // The firmware reads user entries of its own size (§10.4): a batch of the other size is refused, not converted.
    batch = decodeUserTemplateBatch(blob, req.ctx.state.userSize);
  } catch {
    return error(req);
  }
  const { state } = req.ctx;
  for (const raw of batch.users) {
    if (!storeUser(req, raw)) return error(req);
  }
  for (const t of batch.templates) {
    if (!state.hasUid(t.uid) || t.finger > 9) return error(req);
    state.putTemplate(t);
  }
  req.session.upload = undefined;
  return ok(req);
}

/** CMD_TMP_WRITE 87 (§10.5): `u16 uid, u8 finger, u8 flag, u16 size` commits the uploaded template; the user must exist. */
export function templateWrite(req: Request): Outgoing[] {
  const data = uploaded(req);
  if (!data) return error(req);
  return parsed(
    req,
    (p) => {
      const r = new ByteReader(p);
      return { uid: r.u16le(), finger: r.u8(), flag: r.u8(), size: r.u16le() };
    },
    ({ uid, finger, flag, size }) => {
      const { state } = req.ctx;
      if (!state.hasUid(uid) || finger > 9 || size === 0 || size > data.length) return error(req);
      state.putTemplate({ uid, finger, flag, template: data.slice(0, size) });
      return ok(req);
    },
  );
}

/** CMD_CHECKSUM_BUFFER 119: ACK_OK + u32 of the upload buffer; the real algorithm is unknown (§17), we send a byte sum. */
export function checksumBuffer(req: Request): Outgoing[] {
  const data = uploaded(req) ?? new Uint8Array(0);
  let sum = 0;
  for (const b of data) sum = (sum + b) >>> 0;
  return [reply(req, REPLY.ackOk, u32Payload(sum))];
}
