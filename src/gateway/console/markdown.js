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

/**
 * `text` as sanitized HTML nodes.
 * @param {string} text
 * @returns {DocumentFragment}
 */
export function renderMarkdown(text) {
  const html = /** @type {string} */ (marked.parse(text));
  const fragment = DOMPurify.sanitize(html, PURIFY_OPTIONS);
  for (const image of fragment.querySelectorAll("img")) {
    if (image.hasAttribute("src")) continue;
    const alt = image.getAttribute("alt");
    image.replaceWith(alt ? `[image: ${alt}]` : "");
  }
  return fragment;
}
