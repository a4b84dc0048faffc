// Webhook secrets: generated once, kept encrypted (AES-GCM under a Worker secret), and the HMAC signature of each delivery.
import { newSecret } from "../auth/crypto";
import { coded } from "../../shared/errors";

/** The Worker secrets the encryption key is derived from (a structural subset of Env). */
export type SecretVars = { WEBHOOK_SECRET_KEY?: string; ADMIN_API_KEY?: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const WEBHOOK_SECRET_PREFIX = "whsec";

export const newWebhookSecret = () => newSecret(WEBHOOK_SECRET_PREFIX);

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

type AesKey = Awaited<ReturnType<typeof crypto.subtle.deriveKey>>;
/** The derived key of this isolate, by the material it came from (deriving on every delivery costs CPU for nothing). */
let derived: { material: string; key: Promise<AesKey> } | undefined;

/**
 * The key that encrypts webhook secrets at rest: derived (HKDF-SHA-256) from the Worker secret
 * WEBHOOK_SECRET_KEY, or from ADMIN_API_KEY when that is not set (docs/webhooks.md §5). The secret must stay
 * readable by the worker, which signs with it, so it cannot be a one-way hash like API keys.
 */
function secretsKey(env: SecretVars): Promise<AesKey> {
  const material = env.WEBHOOK_SECRET_KEY || env.ADMIN_API_KEY;
  if (!material) throw coded("WEBHOOKS_UNAVAILABLE", { missing: "WEBHOOK_SECRET_KEY" });
  if (derived?.material !== material) derived = { material, key: deriveSecretsKey(material) };
  return derived.key;
}

async function deriveSecretsKey(material: string): Promise<AesKey> {
  const base = await crypto.subtle.importKey("raw", encoder.encode(material), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode("zk-relay webhooks"), info: encoder.encode("secret-at-rest v1") },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** `v1:<iv>:<ciphertext>` (base64); the webhook id is authenticated with it, so a ciphertext cannot move to another row. */
export async function encryptSecret(env: SecretVars, webhookId: string, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(webhookId) },
    await secretsKey(env),
    encoder.encode(secret),
  );
  return `v1:${b64(iv)}:${b64(new Uint8Array(ct))}`;
}

/** The secret back, or null when it cannot be read (the key changed, or the row was tampered with). */
export async function decryptSecret(env: SecretVars, webhookId: string, stored: string): Promise<string | null> {
  const [v, iv, ct] = stored.split(":");
  if (v !== "v1" || !iv || !ct) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: unb64(iv), additionalData: encoder.encode(webhookId) },
      await secretsKey(env),
      unb64(ct),
    );
    return decoder.decode(plain);
  } catch {
    return null;
  }
}

/** Hex HMAC-SHA-256 of `"<t>.<body>"` under the secret (its UTF-8 bytes, prefix included). */
export async function signatureV1(secret: string, t: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return hex(await crypto.subtle.sign("HMAC", key, encoder.encode(`${t}.${body}`)));
}

/** The ZK-Relay-Signature header value: `t=<unix seconds>,v1=<hex>`. */
export async function signatureHeader(secret: string, body: string, nowMs = Date.now()): Promise<string> {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${await signatureV1(secret, t, body)}`;
}

/** Decrypted secrets of this isolate, by webhook id and ciphertext (a re-created webhook has another ciphertext). */
const plain = new Map<string, { enc: string; secret: string | null }>();

/** decryptSecret, remembered per isolate: the consumer signs every delivery with it. */
export async function secretOf(env: SecretVars, webhookId: string, stored: string): Promise<string | null> {
  const hit = plain.get(webhookId);
  if (hit && hit.enc === stored && hit.secret !== null) return hit.secret;
  const secret = await decryptSecret(env, webhookId, stored);
  if (plain.size > 1000) plain.clear();
  plain.set(webhookId, { enc: stored, secret });
  return secret;
}
