// User operations except delete/restore: list, create, update, remote finger enrolment, enrolled fingers.
import { CodedError } from "../../shared/errors";
import type { UserFormat } from "../zk/codec/user";
import { checkStillWanted } from "./commit";
import { findUser, freeUid, withDisabled } from "./guard";
import { toUser } from "./map";
import { readUserTemplates } from "./templates";
import type { OpHandler } from "./types";
import { newUserRecord, patchedUserRecord } from "./user-record";
import { chooseUserFormat, firstRecord, writeUserVerified } from "./user-write";

export const listUsers: OpHandler<"users.list"> = async (session) => ({ users: (await session.getUsers()).map(toUser) });

/**
 * users.create: 409 USER_EXISTS when the badge number is taken (the device itself would accept a duplicate,
 * docs/protocol.md §8.1), or when an explicit uid belongs to someone else (USER_WRQ would overwrite them, §8.8).
 */
export const createUser: OpHandler<"users.create"> = (session, args, ctx) =>
  withDisabled(session, async () => {
    const users = await session.getUsers();
    if (users.some((u) => u.userId === args.user_id)) {
      throw new CodedError("USER_EXISTS", `User '${args.user_id}' already exists`, { user_id: args.user_id });
    }
    let uid = args.uid;
    if (uid !== undefined) {
      const holder = users.find((u) => u.uid === uid);
      if (holder) {
        throw new CodedError("USER_EXISTS", `uid ${uid} already belongs to user '${holder.userId}'`, { user_id: args.user_id, uid });
      }
    } else {
      uid = freeUid(users);
    }
    const choice = await chooseUserFormat(session, users);
    const build = (format: UserFormat) => newUserRecord(format, uid, args.user_id, args, session.encoding);
    const record = firstRecord(choice, build);
    checkStillWanted(ctx, "the user write");
    const rebuild = choice.source === "table" ? undefined : build;
    return { user: toUser(await writeUserVerified(session, { record, userId: args.user_id, rebuild }, ctx)) };
  });

/** users.update: only the given fields change; the rest of the record is written back byte for byte, then read back. */
export const updateUser: OpHandler<"users.update"> = (session, args, ctx) =>
  withDisabled(session, async () => {
    const existing = findUser(await session.getUsers(), args.user_id);
    const { user_id: _userId, ...changes } = args;
    const record = patchedUserRecord(existing, changes, session.encoding);
    checkStillWanted(ctx, "the user write");
    const user = toUser(await writeUserVerified(session, { record, userId: args.user_id, previous: existing.raw }, ctx));
    // `before` is what the audit log records as the state before the change.
    return { user, before: toUser(existing) };
  });

/**
 * users.enrollFinger: starts enrolment on the terminal (docs/protocol.md §10.6); the person then presents the finger
 * there. The terminal stays enabled: it has to take the fingerprint.
 */
export const enrollFinger: OpHandler<"users.enrollFinger"> = async (session, args) => {
  const user = findUser(await session.getUsers(), args.user_id);
  await session.startEnroll(user.userId, args.finger);
  return { started: true };
};

export const listFingers: OpHandler<"users.fingers"> = async (session, args) => {
  const user = findUser(await session.getUsers(), args.user_id);
  const templates = await readUserTemplates(session, user.uid);
  return { fingers: templates.map((t) => ({ finger: t.finger, size: t.template.length, valid: t.flag !== 0 })) };
};

/** The user ops of this file, registered as a table (handlers.ts spreads it). */
export const userHandlers = {
  "users.list": listUsers,
  "users.create": createUser,
  "users.update": updateUser,
  "users.enrollFinger": enrollFinger,
  "users.fingers": listFingers,
};
