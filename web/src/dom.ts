/** The page's elements by id, and its status line. */
import { state } from "./page-state.js";

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export function setStatus(text: string, isError = false): void {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("error", isError);
  state.error = isError ? text : "";
}

/** A list item with `text`. */
export function li(text: string): HTMLLIElement {
  const item = document.createElement("li");
  item.textContent = text;
  return item;
}
