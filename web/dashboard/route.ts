/**
 * The view lives in the address (`#/experiments/1?filter=…&sort=…`): a link to any view can be shared, and the
 * browser's back and forward buttons move between views.
 */
import { useEffect, useState } from "preact/hooks";

export interface Route {
  /** Path segments after `#/`, decoded. */
  parts: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string = location.hash): Route {
  const raw = hash.replace(/^#\/?/, "");
  const q = raw.indexOf("?");
  const path = q === -1 ? raw : raw.slice(0, q);
  return {
    parts: path.split("/").filter(Boolean).map(decodeURIComponent),
    query: new URLSearchParams(q === -1 ? "" : raw.slice(q + 1)),
  };
}

/** `#/a/b?k=v` for parts and query values (undefined and "" left out). */
export function href(parts: string[], query: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") q.set(k, v);
  const qs = q.toString();
  return `#/${parts.map(encodeURIComponent).join("/")}${qs ? `?${qs}` : ""}`;
}

/** Replaces the current entry (typing in a filter should not fill the history). */
export function replaceRoute(parts: string[], query: Record<string, string | undefined>): void {
  history.replaceState(null, "", href(parts, query));
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(parseHash);
  useEffect(() => {
    const on = () => setRoute(parseHash());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}
