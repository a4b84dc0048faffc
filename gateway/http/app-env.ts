// The Hono environment every gateway module shares: bindings plus the per-request variables middleware sets.
import type { Env } from "../env";
import type { Lang } from "../../shared/messages";
import type { Principal } from "../auth/principal";
import type { DeviceRow } from "../db/devices";
import type { AuditNote } from "../audit";
import type { TotalDeadline } from "../relay/contract";

export type AppEnv = {
  Bindings: Env;
  Variables: {
    /** Our own id for this request (http/request-id.ts): answered as X-Request-Id, logged with unexpected errors. */
    requestId: string;
    /** Language of human messages (shared/messages.ts pickLang). */
    lang: Lang;
    /** The authenticated caller (auth/api-key.ts); absent on public routes. */
    principal: Principal;
    /** The registry row of /devices/{id}/… routes, already checked against the caller's sites. */
    device: DeviceRow;
    /** What the audit middleware records for a mutating call, filled in by the route. */
    audit: AuditNote;
    /** Set by keepOutOfReplay (idempotency.ts): this answer is not final and must not be stored for replay. */
    noReplay: boolean;
    /** Fan-out routes: the one total deadline every relayed call of this request is cut to when it starts (fan-out.ts). */
    deadline: TotalDeadline;
    /** The Idempotency-Key this request claimed (idempotency.ts), if any. */
    idem: { keyId: string; idemKey: string; fingerprint: string };
  };
};
