// The one parser of `Authorization: Bearer <secret>` headers, for API keys and agent tokens alike.

/** Our secrets are `newSecret()` strings (~50 chars); anything much longer is not one of ours. */
export const MAX_BEARER_CHARS = 512;

// docs/http-api.md §3: RFC 6750 asks for one space; tabs and extra spaces are tolerated. The scheme is case-insensitive.
const BEARER = new RegExp(`^Bearer[ \\t]+([\\x21-\\x7e]{1,${MAX_BEARER_CHARS}})[ \\t]*$`, "i");

/**
 * The secret of a Bearer header, or undefined when the header is absent, of another scheme or malformed.
 * Hono's bearerAuth answers a malformed header with 400; docs/http-api.md §3 wants 401 for missing *and* bad keys,
 * so callers turn undefined into their own 401.
 */
export function bearerToken(header: string | undefined | null): string | undefined {
  return BEARER.exec(header ?? "")?.[1];
}
