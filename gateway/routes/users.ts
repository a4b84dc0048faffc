// /devices/{id}/users…: list, create, update, delete (the seed, with undo), restore, fingers, enrollment.
import { Hono } from "hono";
import { message } from "../../shared/messages";
import { UserId } from "../../shared/ops";
import { requireRole } from "../auth/roles";
import { noteAudit } from "../audit";
import { listDeletedUsers } from "../db/snapshots";
import { runOp } from "../device-call";
import type { AppEnv } from "../http/app-env";
import { validBody, validParam } from "../http/body";
import { ok, okMessage } from "../http/envelope";
import { restoreUser } from "../restore";
import { CreateUserBody, EnrollBody, RestoreBody, UpdateUserBody } from "../schemas";
import { deletedDetail, deleteUserWithSnapshot, sweepOldSnapshots } from "../user-delete";

export const users = new Hono<AppEnv>()
  .get("/users", async (c) => {
    const { users } = await runOp(c, c.var.device, "users.list", {});
    return ok(c, users);
  })
  .post("/users", requireRole("write"), async (c) => {
    const input = await validBody(c, CreateUserBody);
    noteAudit(c, { user: input.user_id });
    const { user } = await runOp(c, c.var.device, "users.create", input);
    return okMessage(c, message(c.var.lang, "USER_CREATED", { user_id: user.user_id }), user, 201);
  })
  .put("/users/:user_id", requireRole("write"), async (c) => {
    const userId = validParam(c, "user_id", UserId);
    const input = await validBody(c, UpdateUserBody);
    const { user, before } = await runOp(c, c.var.device, "users.update", { ...input, user_id: userId });
    if (before) noteAudit(c, { before });
    return okMessage(c, message(c.var.lang, "USER_UPDATED", { user_id: userId }), user);
  })
  .delete("/users/:user_id", requireRole("write"), async (c) => {
    const userId = validParam(c, "user_id", UserId);
    // The audit row is linked to the relay request before it is sent: a result arriving late completes it.
    const relayId = crypto.randomUUID();
    noteAudit(c, { relay: relayId });
    const deleted = await deleteUserWithSnapshot(c, c.var.device, userId, { single: true, relayId });
    noteAudit(c, { before: deleted.user, detail: deletedDetail(deleted) });
    sweepOldSnapshots(c);
    // The seed's body, word for word: no data — also when the snapshot could not be kept (the user is deleted).
    return okMessage(c, message(c.var.lang, "USER_DELETED", { user_id: userId }));
  })
  .post("/users/:user_id/restore", requireRole("write"), async (c) => {
    const userId = validParam(c, "user_id", UserId);
    const input = await validBody(c, RestoreBody, { optional: true });
    const restored = await restoreUser(c, c.var.device, userId, input.snapshot_id);
    return okMessage(c, message(c.var.lang, "USER_RESTORED", { user_id: userId }), restored);
  })
  .post("/users/:user_id/enroll-finger", requireRole("write"), async (c) => {
    const userId = validParam(c, "user_id", UserId);
    const { finger } = await validBody(c, EnrollBody);
    noteAudit(c, { detail: { finger } });
    await runOp(c, c.var.device, "users.enrollFinger", { user_id: userId, finger });
    return okMessage(c, message(c.var.lang, "ENROLL_STARTED", { user_id: userId, finger }));
  })
  .get("/users/:user_id/fingers", async (c) => {
    const userId = validParam(c, "user_id", UserId);
    const { fingers } = await runOp(c, c.var.device, "users.fingers", { user_id: userId });
    return ok(c, fingers);
  })
  .get("/deleted-users", async (c) => ok(c, await listDeletedUsers(c.env.DB, c.var.device.id)));
