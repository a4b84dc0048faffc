// Requests whose result must be kept whatever happens to the caller (ops declared durableResult): their context, in ctx.storage.
import type { DurableContext } from "./contract";

const PREFIX = "durable:";
/**
 * How long a durable request's context waits for its result. The agent keeps the result in its outbox until the
 * gateway acknowledges it, across restarts, so it may come back days later (a site PC switched off for a weekend).
 */
export const DURABLE_KEEP_MS = 14 * 24 * 60 * 60 * 1000;
// Request ids are our own crypto.randomUUID(); anything else from the agent is not looked up.
const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Remembers a durable request before it is sent: kept in ctx.storage, not memory, so a result that arrives after
 * the caller's deadline, after a gateway restart or on another connection can still be applied as the caller's.
 * Expired entries are swept here, a few at a time.
 */
export async function rememberDurable(storage: DurableObjectStorage, requestId: string, ctx: DurableContext): Promise<void> {
  await storage.put(PREFIX + requestId, ctx);
  const entries = await storage.list<DurableContext>({ prefix: PREFIX, limit: 50 });
  const expired = [...entries].filter(([, v]) => ctx.at - v.at > DURABLE_KEEP_MS).map(([k]) => k);
  if (expired.length > 0) await storage.delete(expired);
}

/** The context of durable request `requestId`, if it is still waiting for its result. */
export async function findDurable(storage: DurableObjectStorage, requestId: string): Promise<DurableContext | undefined> {
  if (!REQUEST_ID.test(requestId)) return undefined;
  return storage.get<DurableContext>(PREFIX + requestId);
}

/** The result was applied (and acknowledged): the context goes. */
export async function forgetDurable(storage: DurableObjectStorage, requestId: string): Promise<void> {
  await storage.delete(PREFIX + requestId);
}
