// One delivery attempt: the signed JSON POST to the webhook's URL, and what came of it (docs/webhooks.md §2).
import { signatureHeader } from "./crypto";

export interface AttemptOutcome {
  ok: boolean;
  /** The receiver's HTTP status; null when there was no answer (refused, timeout, DNS). */
  status: number | null;
  /** Why it failed, short, for the deliveries list (never the secret or the body). */
  error: string | null;
}

export interface AttemptInput {
  url: string;
  secret: string;
  eventId: string;
  deliveryId: string;
  attempt: number;
  body: string;
  timeoutMs: number;
}

/** POSTs once. A 2xx acknowledges; any other status, a redirect included, or no answer is a failure to retry. */
export async function attemptDelivery(input: AttemptInput, now = Date.now()): Promise<AttemptOutcome> {
  const headers = {
    "content-type": "application/json",
    "user-agent": "zk-relay-webhooks/1",
    "zk-relay-signature": await signatureHeader(input.secret, input.body, now),
    "zk-relay-event-id": input.eventId,
    "zk-relay-delivery-id": input.deliveryId,
    "zk-relay-attempt": String(input.attempt),
  };
  try {
    const res = await fetch(input.url, {
      method: "POST",
      headers,
      body: input.body,
      // A redirect is not an acknowledgement, and following one could lead the POST somewhere the URL check never saw.
      redirect: "manual",
      signal: AbortSignal.timeout(input.timeoutMs),
    });
    await res.body?.cancel().catch(() => {});
    const ok = res.status >= 200 && res.status < 300;
    return { ok, status: res.status, error: ok ? null : `HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error;
    const timeout = e.name === "TimeoutError" || e.name === "AbortError";
    return { ok: false, status: null, error: timeout ? `no answer within ${input.timeoutMs} ms` : trim(e.message || e.name) };
  }
}

const trim = (text: string) => (text.length > 200 ? `${text.slice(0, 197)}...` : text);
