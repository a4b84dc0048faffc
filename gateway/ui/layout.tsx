// The console's page shell: head, navigation by role, the sign-out form, and small shared pieces (forms, notices).
/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import type { Lang } from "../../shared/messages";
import { roleAtLeast } from "../auth/principal";
import type { Texts, UiKey } from "./messages";
import type { ConsoleSession } from "./session";

export interface PageProps {
  t: Texts;
  lang: Lang;
  title: string;
  session?: ConsoleSession | null;
  /** Which navigation entry is current. */
  active?: string;
  children?: Child;
}

/** Navigation entries, each shown only to keys whose role and scope can use that page (docs/console.md §3). */
function navFor(session: ConsoleSession): { href: string; key: UiKey; id: string }[] {
  const p = session.principal;
  const items: { href: string; key: UiKey; id: string }[] = [
    { href: "/ui/sites", key: "navSites", id: "sites" },
    { href: "/ui/devices", key: "navDevices", id: "devices" },
    { href: "/ui/people", key: "navPeople", id: "people" },
  ];
  if (roleAtLeast(p.role, "admin")) items.push({ href: "/ui/audit", key: "navAudit", id: "audit" });
  if (roleAtLeast(p.role, "admin") && p.sites === null) {
    items.push({ href: "/ui/keys", key: "navKeys", id: "keys" });
    items.push({ href: "/ui/webhooks", key: "navWebhooks", id: "webhooks" });
  }
  return items;
}

export function Page({ t, lang, title, session, active, children }: PageProps) {
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang={lang}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${title} · ${t("title")}`}</title>
          <link rel="stylesheet" href="/ui/style.css" />
        </head>
        <body>
          <header>
            <strong class="brand">{t("title")}</strong>
            {session && (
              <nav>
                {navFor(session).map((n) => (
                  <a href={n.href} class={n.id === active ? "current" : undefined}>
                    {t(n.key)}
                  </a>
                ))}
              </nav>
            )}
            {session && (
              <form method="post" action="/ui/logout" class="signout">
                <Csrf session={session} />
                <span class="who">
                  {t("signedInAs", {
                    key: session.keyId,
                    role: session.principal.role,
                    sites: session.principal.sites === null ? t("allSites") : session.principal.sites.join(", "),
                  })}
                </span>
                <button type="submit">{t("signOut")}</button>
              </form>
            )}
          </header>
          <main>
            <h1>{title}</h1>
            {children}
          </main>
        </body>
      </html>
    </>
  );
}

/** The hidden CSRF field every state-changing form carries. */
export function Csrf({ session }: { session: ConsoleSession }) {
  return <input type="hidden" name="_csrf" value={session.csrf} />;
}

/** An error or information line. */
export function Notice({ kind, children }: { kind: "error" | "ok" | "info"; children?: Child }) {
  return (
    <p class={`notice ${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </p>
  );
}

/** A one-button POST form (delete, restore, revoke, undo), CSRF included. */
export function PostButton(props: { session: ConsoleSession; action: string; label: string; fields?: Record<string, string>; danger?: boolean }) {
  return (
    <form method="post" action={props.action} class="inline">
      <Csrf session={props.session} />
      {Object.entries(props.fields ?? {}).map(([k, v]) => (
        <input type="hidden" name={k} value={v} />
      ))}
      <button type="submit" class={props.danger ? "danger" : undefined}>
        {props.label}
      </button>
    </form>
  );
}
