// What every console page shares: its Hono environment (the session), its texts and one way to render a page.
/** @jsxImportSource hono/jsx */
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Env } from "../env";
import type { AppEnv } from "../http/app-env";
import { callApi, type ApiAnswer, type ApiFetch } from "./api";
import { Notice, Page } from "./layout";
import { texts, type Texts } from "./messages";
import type { ConsoleSession } from "./session";

/** The console's Hono environment: the gateway's, plus the signed-in session (set by app.tsx). */
export type UiEnv = { Bindings: Env; Variables: AppEnv["Variables"] & { session: ConsoleSession } };
export type UiContext = Context<UiEnv>;

export function textsOf(c: UiContext): Texts {
  return texts(c.get("lang") ?? "es");
}

/** Renders a page of the signed-in console. */
export function render(c: UiContext, title: string, active: string | undefined, body: Child, status: ContentfulStatusCode = 200) {
  return c.html(
    <Page t={textsOf(c)} lang={c.get("lang") ?? "es"} title={title} session={c.get("session")} active={active}>
      {body}
    </Page>,
    status,
  );
}

/** The API as the session's key: `api(c)("GET", "/devices")`. */
export function apiOf(apiFetch: ApiFetch) {
  return (c: UiContext) =>
    <T = unknown,>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> =>
      callApi<T>(c as unknown as Context<AppEnv>, apiFetch, c.get("session"), method, path, body);
}

/** An API failure as the page shows it: the API's own localised message and code. */
export function ApiError({ answer }: { answer: ApiAnswer }) {
  return (
    <Notice kind="error">
      {answer.error} {answer.code && <code>({answer.code})</code>}
    </Notice>
  );
}

/** A form field as a string (absent and non-text fields become ""). */
export async function formField(c: UiContext, name: string): Promise<string> {
  const v = (await formFields(c, name))[0];
  return v ?? "";
}

/** All values of a repeated form field (checkboxes). */
export async function formFields(c: UiContext, name: string): Promise<string[]> {
  // Always { all: true }: Hono caches the first parse of a body, whatever options later calls pass.
  const form = await c.req.parseBody({ all: true });
  const v = form[name];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.filter((x): x is string => typeof x === "string");
}
