// A tiny HTTP client for the gateway API: bearer key, JSON in and out, the raw answer kept for assertions.
import { Agent } from "undici";

export interface ApiAnswer<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  body: T;
  text: string;
}

export interface ApiRequestOptions {
  body?: unknown;
  /** Sent as is (no JSON encoding, no Content-Type added). */
  rawBody?: string | Uint8Array;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Per-request timeout in ms (default 30 s); the request is aborted after it. */
  timeoutMs?: number;
  /**
   * Use a connection of its own, closed afterwards. For bodies the server may refuse unread (413): workerd then
   * drops the connection, and a pooled keep-alive socket would fail the *next* request with ECONNRESET.
   */
  freshConnection?: boolean;
}

export interface ApiClient {
  readonly baseUrl: string;
  request<T = any>(method: string, path: string, options?: ApiRequestOptions): Promise<ApiAnswer<T>>;
  get<T = any>(path: string, options?: ApiRequestOptions): Promise<ApiAnswer<T>>;
  post<T = any>(path: string, body?: unknown, options?: ApiRequestOptions): Promise<ApiAnswer<T>>;
  put<T = any>(path: string, body?: unknown, options?: ApiRequestOptions): Promise<ApiAnswer<T>>;
  del<T = any>(path: string, options?: ApiRequestOptions): Promise<ApiAnswer<T>>;
  /** The same client with another key (undefined: no Authorization header). */
  withKey(key: string | undefined): ApiClient;
}

/** A client for `baseUrl` (e.g. http://127.0.0.1:8787) authenticating with `key`. */
export function apiClient(baseUrl: string, key: string | undefined): ApiClient {
  const base = baseUrl.replace(/\/+$/, "");
  async function request<T>(method: string, path: string, options: ApiRequestOptions = {}): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = {};
    if (key !== undefined) headers.authorization = `Bearer ${key}`;
    let body: string | Uint8Array | undefined = options.rawBody;
    if (options.body !== undefined && body === undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    Object.assign(headers, options.headers);
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const dispatcher = options.freshConnection ? new Agent() : undefined;
    let response: Response;
    let text: string;
    try {
      // `dispatcher` is undici's extension of RequestInit (Node's fetch is undici).
      response = await fetch(`${base}${path}`, { method, headers, body, signal, dispatcher } as RequestInit);
      text = await response.text();
    } catch (err) {
      // undici says only "fetch failed"; the socket-level reason (ECONNRESET, UND_ERR_SOCKET…) is in `cause`.
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause ? ` (${cause.code ?? ""}${cause.code && cause.message ? ": " : ""}${cause.message ?? ""})` : "";
      throw new Error(`${method} ${path}: ${(err as Error).message}${reason}`, { cause: err });
    } finally {
      await dispatcher?.close();
    }
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }
  return {
    baseUrl: base,
    request,
    get: (path, options) => request("GET", path, options),
    post: (path, body, options) => request("POST", path, { ...options, body }),
    put: (path, body, options) => request("PUT", path, { ...options, body }),
    del: (path, options) => request("DELETE", path, options),
    withKey: (other) => apiClient(base, other),
  };
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { timeoutMs = 20_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= end) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
