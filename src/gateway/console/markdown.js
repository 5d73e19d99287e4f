// @ts-check
/**
 * Agent replies as Markdown: parsed by marked, then sanitized by DOMPurify into a DOM fragment
 * (never assigned as an HTML string). HTML written in a reply is shown as the text it is, not
 * parsed: a reply is Markdown, and markup in it is what an injected instruction would use. Links open in a new tab with rel="noopener noreferrer" and
 * only http(s), mailto and in-page targets survive; images only as inline `data:image/` URLs (the
 * CSP allows no other host); style attributes are dropped (the CSP would refuse them anyway).
 */
import { Marked } from "./marked.js";
import DOMPurify from "./purify.js";

/** @type {Record<string, string>} */
const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** @param {string} text */
function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  // Raw HTML comes out escaped, visible and inert: a block as code (its lines kept), a tag as text.
  renderer: {
    html: ({ text, block }) => (block ? `<pre><code>${escapeHtml(text)}</code></pre>` : escapeHtml(text)),
  },
});

const SAFE_LINK = /^(?:https?:|mailto:|#)/i;

const INLINE_IMAGE = /^data:image\/(?:png|gif|jpeg|webp);/i;

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "IMG") {
    // Before the node joins this document (where an <img> starts loading at once).
    if (!INLINE_IMAGE.test(node.getAttribute("src") ?? "")) node.removeAttribute("src");
    return;
  }
  if (node.tagName !== "A") return;
  const href = node.getAttribute("href") ?? "";
  if (!SAFE_LINK.test(href.trim())) node.removeAttribute("href");
  node.setAttribute("target", "_blank");
  node.setAttribute("rel", "noopener noreferrer");
});

const PURIFY_OPTIONS = {
  FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "iframe", "svg", "math"],
  FORBID_ATTR: ["style", "srcset", "class", "id"],
  ALLOW_DATA_ATTR: false,
  RETURN_DOM_FRAGMENT: /** @type {const} */ (true),
};

/** Past this many characters a reply is shown as plain text: parsing it would hold the page too long. */
export const MAX_MARKDOWN_CHARS = 256 * 1024;

/** Deeper blockquotes and list indents than these are flattened: marked recurses once per level. */
const MAX_QUOTE_DEPTH = 8;
const MAX_INDENT = 32;

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const QUOTES = new RegExp(`^(?:[ \\t]{0,3}>){${MAX_QUOTE_DEPTH + 1},}`);

/**
 * `text` with nesting bounded: at most {@link MAX_QUOTE_DEPTH} `>` markers and {@link MAX_INDENT}
 * columns of indent a line (fenced code is left as written). A reply of 5,000 `>` would otherwise
 * overflow the parser's stack, and each level of quote multiplies its time (16 levels: ~200 ms).
 * @param {string} text
 */
function boundNesting(text) {
  /** @type {string | null} */
  let fence = null;
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = /** @type {string} */ (lines[index]);
    const open = FENCE.exec(line);
    if (fence !== null) {
      if (open && open[1]?.[0] === fence[0] && (open[1]?.length ?? 0) >= fence.length) fence = null;
      continue;
    }
    if (open) {
      fence = open[1] ?? null;
      continue;
    }
    const quotes = QUOTES.exec(line);
    if (quotes) {
      lines[index] = ">".repeat(MAX_QUOTE_DEPTH) + " " + line.slice(quotes[0].length).trimStart();
      continue;
    }
    const indent = /^[ \t]*/.exec(line)?.[0] ?? "";
    if (indent.length > MAX_INDENT) lines[index] = " ".repeat(MAX_INDENT) + line.slice(indent.length);
  }
  return lines.join("\n");
}

/**
 * `text` shown as it is, with a note saying why it is not rendered.
 * @param {string} text
 * @param {string} why
 * @returns {DocumentFragment}
 */
function plainText(text, why) {
  const fragment = document.createDocumentFragment();
  const note = document.createElement("p");
  note.className = "render-note";
  note.textContent = why;
  const body = document.createElement("div");
  body.className = "plain";
  body.textContent = text;
  fragment.append(note, body);
  return fragment;
}

/**
 * `text` as sanitized HTML nodes. A reply too long to parse quickly, or one the parser cannot
 * handle, comes back as plain text (a `.plain` block after a `.render-note`), never as an error.
 * @param {string} text
 * @returns {DocumentFragment}
 */
export function renderMarkdown(text) {
  if (text.length > MAX_MARKDOWN_CHARS) {
    const kib = Math.round(text.length / 1024);
    return plainText(text, `Shown as plain text: at ${kib} KiB this reply is too long to format.`);
  }
  let fragment;
  try {
    const html = /** @type {string} */ (marked.parse(boundNesting(text)));
    fragment = DOMPurify.sanitize(html, PURIFY_OPTIONS);
  } catch {
    return plainText(text, "Shown as plain text: this reply could not be formatted.");
  }
  for (const image of fragment.querySelectorAll("img")) {
    if (image.hasAttribute("src")) continue;
    const alt = image.getAttribute("alt");
    image.replaceWith(alt ? `[image: ${alt}]` : "");
  }
  return fragment;
}
