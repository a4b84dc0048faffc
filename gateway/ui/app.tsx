// The admin console at /ui: sign-in, the session and CSRF gates, and the page modules (docs/console.md).
/** @jsxImportSource hono/jsx */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../http/app-env";
import type { ApiFetch } from "./api";
import { textsOf, type UiEnv } from "./context";
import { csrfMatches, loginToken, loginTokenMatches, sameOrigin } from "./csrf";
import { consoleHeaders } from "./headers";
import { Notice, Page } from "./layout";
import { adminPages } from "./pages/admin";
import { devicePages } from "./pages/devices";
import { peoplePages } from "./pages/people";
import { sitePages } from "./pages/sites";
import { webhookPages } from "./pages/webhooks";
import { currentSession, randomId, signIn, signOut } from "./session";
import { STYLE_CSS } from "./style";

/** The sign-in page; `error` re-renders it after a refused key (never echoing what was pasted). */
function loginPage(c: Context<UiEnv>, error?: string, status: 200 | 401 | 403 = 200) {
  const t = textsOf(c);
  const token = loginToken(c as unknown as Context<AppEnv>, randomId);
  return c.html(
    <Page t={t} lang={c.get("lang") ?? "es"} title={t("signIn")}>
      <form method="post" action="/ui/login" class="login" autocomplete="off">
        <p class="muted">{t("signInLead")}</p>
        {error && <Notice kind="error">{error}</Notice>}
        <input type="hidden" name="_csrf" value={token} />
        <label>
          {t("apiKey")}
          <input type="password" name="key" required autocomplete="off" spellcheck={false} />
        </label>
        <p>
          <button type="submit">{t("signIn")}</button>
        </p>
      </form>
    </Page>,
    status,
  );
}

/** Builds the console; `api` is the gateway app's own fetch, through which every page acts. */
export function consoleApp(api: ApiFetch): Hono<UiEnv> {
  const ui = new Hono<UiEnv>();
  ui.use("*", consoleHeaders());
  ui.get("/style.css", (c) => c.body(STYLE_CSS, 200, { "Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=300" }));

  ui.get("/login", async (c) => ((await currentSession(c as never)) ? c.redirect("/ui/sites", 303) : loginPage(c)));
  ui.post("/login", async (c) => {
    const t = textsOf(c);
    const form = await c.req.parseBody({ all: true });
    if (!sameOrigin(c as never) || !(await loginTokenMatches(c as never, form._csrf))) return loginPage(c, t("badForm"), 403);
    const key = typeof form.key === "string" ? form.key.trim() : "";
    const session = key.length > 0 && key.length <= 256 ? await signIn(c as never, key) : null;
    if (!session) return loginPage(c, t("badKey"), 401);
    return c.redirect("/ui/sites", 303);
  });

  // Everything below needs a live session; a state-changing request also a same-origin form with its CSRF token.
  ui.use("*", async (c, next) => {
    const session = await currentSession(c as never);
    if (!session) return c.redirect("/ui/login", 303);
    c.set("session", session);
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      const form = await c.req.parseBody({ all: true });
      if (!sameOrigin(c as never) || !(await csrfMatches(session.csrf, form._csrf))) {
        const t = textsOf(c);
        return c.html(
          <Page t={t} lang={c.get("lang") ?? "es"} title={t("error")} session={session}>
            <Notice kind="error">{t("badForm")}</Notice>
          </Page>,
          403,
        );
      }
    }
    await next();
  });

  ui.get("/", (c) => c.redirect("/ui/sites", 303));
  ui.post("/logout", async (c) => {
    await signOut(c as never, c.get("session"));
    return c.redirect("/ui/login", 303);
  });
  sitePages(ui, api);
  devicePages(ui, api);
  peoplePages(ui, api);
  adminPages(ui, api);
  webhookPages(ui, api);
  return ui;
}
