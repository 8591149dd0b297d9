/** Small shared pieces of the dashboard: the html tag, loading and error states, number formats. */
import { html } from "htm/preact";
import { useEffect, useState } from "preact/hooks";
import { explain } from "./api.js";

export { html };

export type Load<T> = { state: "loading" } | { state: "error"; message: string } | { state: "ok"; value: T };

/** Runs `load` whenever `deps` change; a newer load wins over an older one still under way. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): [Load<T>, () => void] {
  const [result, setResult] = useState<Load<T>>({ state: "loading" });
  const [nonce, setNonce] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what the load depends on
  useEffect(() => {
    let live = true;
    setResult({ state: "loading" });
    load().then(
      (value) => live && setResult({ state: "ok", value }),
      (e: unknown) => live && setResult({ state: "error", message: explain(e) }),
    );
    return () => {
      live = false;
    };
  }, [...deps, nonce]);
  return [result, () => setNonce((n) => n + 1)];
}

export function Loading({ what }: { what: string }) {
  return html`<p class="loading" role="status">Loading ${what}…</p>`;
}

export function ErrorBox({ message, retry }: { message: string; retry?: () => void }) {
  return html`<div class="error" role="alert">
    <p>${message}</p>
    ${retry ? html`<button type="button" onClick=${retry}>Try again</button>` : null}
  </div>`;
}

export function Empty({ children }: { children: unknown }) {
  return html`<p class="empty">${children}</p>`;
}

/** A metric for a table cell: 4 decimals, integers as they are. */
export function num(v: number | undefined): string {
  if (v === undefined) return "";
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1000 ? v.toFixed(0) : v.toFixed(4);
}

export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const when = (t: number | null): string => (t ? new Date(t).toISOString().replace("T", " ").slice(0, 19) : "");
