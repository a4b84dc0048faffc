// Per-device result tables of the console's offboardings and undos (docs/console.md §1).
/** @jsxImportSource hono/jsx */
import { textsOf, type UiContext } from "../context";

export interface DeviceResult {
  device: string;
  status: string;
  error?: string;
  code?: string;
  /** What an undo did on this device (GET /offboardings/{id}). */
  undo?: string | null;
}

/** Where a device may end and be done: shown green; waiting states grey; anything else red. */
const GOOD = new Set(["deleted", "not_found", "restored", "nothing_to_restore", "cancelled"]);
const WAITING = new Set(["queued", "applying"]);

export function badgeOf(status: string): "good" | "muted" | "bad" {
  return GOOD.has(status) ? "good" : WAITING.has(status) ? "muted" : "bad";
}

export function ResultsTable({ c, results, withUndo = false }: { c: UiContext; results: DeviceResult[]; withUndo?: boolean }) {
  const t = textsOf(c);
  return (
    <table id="results" aria-label={t("results")}>
      <thead>
        <tr>
          <th>{t("device")}</th>
          <th>{t("status")}</th>
          <th>{t("detail")}</th>
          {withUndo && <th>{t("undo")}</th>}
        </tr>
      </thead>
      <tbody>
        {results.map((r) => (
          <tr data-device={r.device} data-status={r.status}>
            <td>{r.device}</td>
            <td>
              <span class={`badge ${badgeOf(r.status)}`}>{r.status}</span>
            </td>
            <td>{r.error ? `${r.error}${r.code ? ` (${r.code})` : ""}` : ""}</td>
            {withUndo && <td>{r.undo ?? ""}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
