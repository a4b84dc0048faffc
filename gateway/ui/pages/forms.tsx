// Shared pieces of the console's create forms (API keys, webhooks): site checkboxes, field problems, the one-time secret.
/** @jsxImportSource hono/jsx */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ApiAnswer } from "../api";
import { ApiError, textsOf, type UiContext } from "../context";
import { Notice } from "../layout";

export interface SiteChoice {
  id: string;
  name: string;
}

/** Site checkboxes; none checked means "every site" (the API's `sites` left out). */
export function SiteChecks({ c, sites, checked }: { c: UiContext; sites: SiteChoice[]; checked: string[] }) {
  const t = textsOf(c);
  return (
    <fieldset>
      <legend>{t("sites")}</legend>
      <p class="muted">{t("sitesHint")}</p>
      {sites.map((s) => (
        <label class="check">
          <input type="checkbox" name="sites" value={s.id} checked={checked.includes(s.id)} />
          {s.name && s.name !== s.id ? `${s.id} · ${s.name}` : s.id}
        </label>
      ))}
    </fieldset>
  );
}

/**
 * An API refusal of a create form: the API's localised message and code, and for VALIDATION_FAILED one line per
 * field the API named, with the field's label in the page's language.
 */
export function FormError({ c, answer, labels }: { c: UiContext; answer: ApiAnswer; labels: Record<string, string> }) {
  const t = textsOf(c);
  const details = Array.isArray(answer.body.details) ? (answer.body.details as { path?: unknown; message?: unknown }[]) : [];
  return (
    <>
      <ApiError answer={answer} />
      {details.length > 0 && (
        <ul class="problems">
          {details.map((d) => {
            const path = typeof d.path === "string" ? d.path : "";
            const field = labels[path.split(".")[0] ?? ""] ?? path;
            return <li>{t("fieldProblem", { field, message: typeof d.message === "string" ? d.message : "" })}</li>;
          })}
        </ul>
      )}
    </>
  );
}

/** The status a refused create form is answered with: the API's own (403 for a role it refuses, 400 for bad input). */
export function statusOf(answer: ApiAnswer): ContentfulStatusCode {
  return (answer.status >= 400 && answer.status <= 599 ? answer.status : 502) as ContentfulStatusCode;
}

/**
 * docs/console.md §7: a secret the API shows once, shown once here too — in the answer to the form's POST only,
 * never in a URL, a redirect or the cookie; the page is sent with Cache-Control: no-store.
 */
export function OneTimeSecret({ label, value, warning }: { label: string; value: string; warning: string }) {
  return (
    <section class="once">
      <Notice kind="info">
        <strong>{warning}</strong>
      </Notice>
      <p>
        {label}
        <br />
        <code id="new-secret" class="secret">
          {value}
        </code>
      </p>
    </section>
  );
}

/** What was just created, as label/value rows (the one-time answer pages of keys and webhooks). */
export function CreatedFacts({ rows }: { rows: [label: string, value: string][] }) {
  return (
    <table id="created">
      <tbody>
        {rows.map(([label, value]) => (
          <tr>
            <th>{label}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The values of a form field list, trimmed, empties dropped. */
export function cleanList(values: string[]): string[] {
  return values.map((v) => v.trim()).filter((v) => v.length > 0);
}
