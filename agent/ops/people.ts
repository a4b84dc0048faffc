// One person on a terminal: look them up with their fingers, enable or disable them, and export/import them for a copy.
import { CodedError } from "../../shared/errors";
import type { UserSnapshot } from "../../shared/ops";
import type { ZkTemplate, ZkUser } from "../zk/types";
import { checkStillWanted } from "./commit";
import { findUser, freeUid, withDisabled } from "./guard";
import { fromBase64, toBase64, toUser } from "./map";
import { readUserTemplates } from "./templates";
import type { OpHandler } from "./types";
import { decodeRecord, encodeRecord, patchedUserRecord, withUid } from "./user-record";
import { chooseUserFormat, verifyRestored, writeUserVerified } from "./user-write";

/** Privilege bit 0: the user may not use the terminal (docs/protocol.md §8.2). */
const DISABLED_BIT = 1;

/** users.get: the user as the API shows them, how many fingers the terminal holds for them, and the enable bit. */
export const getUser: OpHandler<"users.get"> = async (session, args) => {
  const user = findUser(await session.getUsers(), args.user_id);
  const templates = await readUserTemplates(session, user.uid);
  return { user: toUser(user), fingers: templates.length, enabled: (user.privilege & DISABLED_BIT) === 0 };
};

/**
 * users.setEnabled: flips privilege bit 0 and nothing else (every other byte of the record is written back as read),
 * then reads the user back (writeUserVerified). Already in the asked state: nothing is written.
 */
export const setUserEnabled: OpHandler<"users.setEnabled"> = (session, args, ctx) =>
  withDisabled(session, async () => {
    const existing = findUser(await session.getUsers(), args.user_id);
    const privilege = args.enabled ? existing.privilege & ~DISABLED_BIT : existing.privilege | DISABLED_BIT;
    const state = args.enabled ? ("enabled" as const) : ("disabled" as const);
    if (privilege === existing.privilege) return { user: toUser(existing), enabled: args.enabled, state };
    const record = patchedUserRecord(existing, { privilege }, session.encoding);
    checkStillWanted(ctx, "the user write");
    const user = await writeUserVerified(session, { record, userId: args.user_id, previous: existing.raw }, ctx);
    return { user: toUser(user), enabled: (user.privilege & DISABLED_BIT) === 0, state };
  });

/** users.export: what a copy needs of the source, the same shape as a delete's snapshot (nothing is changed). */
export const exportUser: OpHandler<"users.export"> = async (session, args) => {
  const user = findUser(await session.getUsers(), args.user_id);
  const templates = await readUserTemplates(session, user.uid);
  const snapshot: UserSnapshot = {
    format: user.format,
    record: toBase64(user.raw),
    user: toUser(user),
    templates: templates.map((t) => ({ finger: t.finger, flag: t.flag, template: toBase64(t.template) })),
  };
  return { snapshot };
};

function invalid(message: string): CodedError {
  return new CodedError("VALIDATION_FAILED", message, { field: "snapshot" });
}

/**
 * The record to write on this terminal: the source's bytes as they are when the formats match (password and all),
 * else the same fields encoded in this terminal's layout — which refuses (VALIDATION_FAILED naming the field) what
 * the layout cannot hold whole: a non-numeric user_id or a name over 8 bytes on 28-byte firmware (docs/protocol.md §8.4).
 */
function targetRecord(source: Uint8Array, src: ZkUser, format: 28 | 72, uid: number, encoding?: string): Uint8Array {
  if (source.length === format) return withUid(source, uid);
  return encodeRecord(format, {
    uid,
    userId: src.userId,
    name: src.name,
    privilege: src.privilege,
    password: src.password,
    card: src.card,
    group: src.group,
    ...(format === 72 && src.groupId !== "" ? { groupId: src.groupId } : {}),
  }, encoding);
}

/**
 * users.import: puts a person exported from another terminal here, converted to this terminal's record size. The
 * user_id held by someone with another name is another person: USER_ID_CONFLICT, nothing written. The same person
 * (same user_id and name) is updated in place at their uid; otherwise a free uid is taken. Record and templates go
 * in one batch upload (docs/protocol.md §10.4), then both are read back: a record that did not land is undone, and
 * fingers that did not land are reported as DEVICE_REJECTED, never as copied.
 */
export const importUser: OpHandler<"users.import"> = (session, args, ctx) => {
  const snap = args.snapshot;
  const source = fromBase64(snap.record);
  if (!source || source.length !== snap.format) throw invalid(`snapshot record is not ${snap.format} bytes of base64`);
  const src = decodeRecord(source);
  if (src.userId !== snap.user.user_id) throw invalid("snapshot record and user disagree on user_id");
  const templates = snap.templates.map((t) => {
    const bytes = fromBase64(t.template);
    if (!bytes || bytes.length === 0) throw invalid(`snapshot template of finger ${t.finger} is not base64`);
    return { finger: t.finger, flag: t.flag, template: bytes };
  });
  return withDisabled(session, async () => {
    const users = await session.getUsers();
    const holder = users.find((u) => u.userId === src.userId);
    if (holder && holder.name !== src.name) {
      throw new CodedError("USER_ID_CONFLICT", `user_id '${src.userId}' is held by another person (uid ${holder.uid})`, { user_id: src.userId });
    }
    const { format } = await chooseUserFormat(session, users);
    const uid = holder?.uid ?? freeUid(users);
    const record = holder ? patchedRecord(holder, src, format, source, session.encoding) : targetRecord(source, src, format, uid, session.encoding);
    const withUids: ZkTemplate[] = templates.map((t) => ({ ...t, uid }));
    checkStillWanted(ctx, "the user upload");
    await session.saveUsersWithTemplates([record], withUids);
    await session.refreshData();
    const user = await verifyRestored(session, record, src.userId, ctx, holder?.raw);
    const there = await readUserTemplates(session, uid);
    const missing = templates.filter((t) => !there.some((x) => x.finger === t.finger && sameBytes(x.template, t.template)));
    if (missing.length > 0) {
      throw new CodedError("DEVICE_REJECTED", `fingers ${missing.map((t) => t.finger).join(", ")} of user '${src.userId}' did not land`, {
        user_id: src.userId,
      });
    }
    return { user: toUser(user), fingers: templates.length, format, converted: format !== snap.format };
  });
};

/** The same person already here: their record with the source's fields (bytes no field names stay as they are). */
function patchedRecord(holder: ZkUser, src: ZkUser, format: 28 | 72, source: Uint8Array, encoding?: string): Uint8Array {
  if (source.length === format) return withUid(source, holder.uid);
  return patchedUserRecord(holder, { name: src.name, privilege: src.privilege, password: src.password, card: src.card }, encoding);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The person ops of this file, registered as a table (handlers.ts spreads it). */
export const peopleHandlers = {
  "users.get": getUser,
  "users.setEnabled": setUserEnabled,
  "users.export": exportUser,
  "users.import": importUser,
};
