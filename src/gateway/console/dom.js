// @ts-check
/** Small DOM helpers. Data always goes in as text; only markdown.js produces (sanitized) HTML. */

/**
 * The element with this id (the page defines it; a missing one is a bug, reported loudly).
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`The console page has no #${id}`);
  return node;
}

/**
 * A typed {@link byId}: the element must be an instance of `type`.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T }} type
 * @returns {T}
 */
export function byIdAs(id, type) {
  const node = byId(id);
  if (!(node instanceof type)) throw new Error(`#${id} is not a ${type.name}`);
  return node;
}

/**
 * A new element with an optional class and text content.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string | null} [className]
 * @param {string | number | null} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/**
 * Shows an error's message in `id` (or clears it).
 * @param {string} id
 * @param {unknown} error
 */
export function showError(id, error) {
  byId(id).textContent = error ? (error instanceof Error ? error.message : String(error)) : "";
}

/**
 * Milliseconds for people: `12 ms`, `1.4 s`.
 * @param {number | null | undefined} ms
 */
export function formatMs(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
