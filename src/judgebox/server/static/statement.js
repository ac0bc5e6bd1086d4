// Problem statements as DOM, safely. Markdown goes through marked, HTML through
// DOMPurify (the Markdown's HTML too); math ($…$, $$…$$, \(…\), \[…\]) is kept
// out of the Markdown parser and drawn by KaTeX after sanitising, so neither
// library's output is ever mixed with unsanitised text. Images may only come
// from the problem's own statement folder (`imageBase`); links open elsewhere.
// LaTeX (Kattis's problem.en.tex) is converted on the server (plasTeX) and arrives as
// HTML, sanitised there and again here; LaTeX source and plain text show preformatted.

import DOMPurify from "dompurify";
import { Marked } from "marked";

const KATEX_CSS = "/static/dist/katex.css";
const MATH_CLASSES = new Set(["math", "math-inline", "math-display"]);
// A LaTeX tabular's rules and alignment, as the server's converter names them (style.css).
const RULE_CLASSES = {
  TABLE: new Set(["tex-rules"]),
  TD: new Set(["rb-t", "rb-b", "rb-l", "rb-r", "al", "ar", "ac"]),
  TH: new Set(["rb-t", "rb-b", "rb-l", "rb-r", "al", "ar", "ac"]),
};

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function escapeHTML(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The placeholder KaTeX later replaces: the TeX source as text, so it reads well without JS. */
function mathHTML(tex, display) {
  const tag = display ? "div" : "span";
  return `<${tag} class="math ${display ? "math-display" : "math-inline"}">${escapeHTML(tex)}</${tag}>`;
}

const BLOCK_MATH = /^ {0,3}(?:\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\])[ \t]*(?:\n|$)/;
const INLINE_MATH = /^(?:\$\$([\s\S]+?)\$\$|\$((?:\\.|[^$\\\n])+?)\$|\\\(([\s\S]+?)\\\))/;

const mathExtensions = [
  {
    name: "blockMath",
    level: "block",
    start: (src) => src.match(/\$\$|\\\[/)?.index,
    tokenizer(src) {
      const m = BLOCK_MATH.exec(src);
      if (m) return { type: "blockMath", raw: m[0], text: (m[1] ?? m[2]).trim() };
      return undefined;
    },
    renderer: (token) => mathHTML(token.text, true) + "\n",
  },
  {
    name: "inlineMath",
    level: "inline",
    start: (src) => src.match(/\$|\\\(/)?.index,
    tokenizer(src) {
      const m = INLINE_MATH.exec(src);
      if (!m) return undefined;
      if (m[1] !== undefined) return { type: "inlineMath", raw: m[0], text: m[1].trim(), display: true };
      return { type: "inlineMath", raw: m[0], text: (m[2] ?? m[3]).trim(), display: false };
    },
    renderer: (token) => mathHTML(token.text, token.display),
  },
];

const marked = new Marked({ gfm: true, breaks: false });
marked.use({
  extensions: mathExtensions,
  // Statement headings sit under the page's h1 and the panel's h2.
  renderer: {
    heading({ tokens, depth }) {
      const level = Math.min(depth + 2, 6);
      return `<h${level}>${this.parser.parseInline(tokens)}</h${level}>\n`;
    },
  },
});

/** Is `src` a path inside the statement folder (no scheme, not absolute, no ".." segment)? */
export function isStatementPath(src) {
  if (!src || /^[a-z][a-z0-9+.-]*:/i.test(src) || src.startsWith("/") || src.startsWith("\\")) return false;
  return !src.split(/[/\\]/).some((part) => part === ".." || part === "");
}

function sanitize(html, imageBase) {
  const fixLinksAndImages = (node) => {
    if (node.hasAttribute?.("class")) {
      // Only the math placeholders and a table's rules keep a class: a statement must not
      // dress up as the page.
      const rules = RULE_CLASSES[node.tagName];
      const kept = [...node.classList].filter((c) => MATH_CLASSES.has(c) || rules?.has(c));
      if (kept.length) node.setAttribute("class", kept.join(" "));
      else node.removeAttribute("class");
    }
    if (node.tagName === "A" && node.hasAttribute("href")) {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
    }
    if (node.tagName === "IMG") {
      const src = node.getAttribute("src") ?? "";
      if (imageBase && isStatementPath(src)) {
        node.setAttribute("src", imageBase + src.split("/").map(encodeURIComponent).join("/"));
        node.setAttribute("loading", "lazy");
        if (!node.hasAttribute("alt")) node.setAttribute("alt", "");
      } else {
        // Anything else would let a statement fetch from elsewhere (tracking, mixed content).
        node.replaceWith(el("span", "muted", `[image: ${node.getAttribute("alt") || src}]`));
      }
    }
  };
  DOMPurify.addHook("afterSanitizeAttributes", fixLinksAndImages);
  try {
    return DOMPurify.sanitize(html, {
      RETURN_DOM_FRAGMENT: true,
      FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select"],
      FORBID_ATTR: ["style", "id"],
    });
  } finally {
    DOMPurify.removeHook("afterSanitizeAttributes");
  }
}

/** Draw every `.math` placeholder of `root` with KaTeX (loaded on first use). */
export async function renderMath(root) {
  const nodes = root.querySelectorAll(".math");
  if (nodes.length === 0) return;
  // Typeset only once KaTeX's stylesheet applies: without it the MathML copy and the TeX
  // annotation show beside the drawn formula.
  let link = document.querySelector(`link[href="${KATEX_CSS}"]`);
  if (!link) {
    link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = KATEX_CSS;
    document.head.append(link);
  }
  const styled = link.sheet
    ? Promise.resolve()
    : new Promise((resolve) => {
        link.addEventListener("load", resolve, { once: true });
        link.addEventListener("error", resolve, { once: true });
      });
  const [{ default: katex }] = await Promise.all([import("katex"), styled]);
  for (const node of nodes) {
    const tex = node.textContent;
    try {
      katex.render(tex, node, { displayMode: node.classList.contains("math-display"), throwOnError: true });
    } catch {
      // Not valid TeX: leave the source visible, marked as such.
      node.textContent = tex;
      node.classList.add("math-error");
    }
  }
}

/**
 * Render a statement into a fragment.
 * @param {string|null} statement
 * @param {"markdown"|"html"|"latex"|"text"|null} format ("latex": its source, preformatted)
 * @param {{imageBase?: string, drawMath?: boolean}} [options] imageBase: URL prefix of the
 *   statement folder's files; drawMath false: leave the TeX placeholders for renderMath()
 *   (the page draws them once the statement is on screen, so KaTeX never delays it)
 * @returns {Promise<DocumentFragment>}
 */
export async function renderStatement(statement, format, { imageBase = "", drawMath = true } = {}) {
  const fragment = document.createDocumentFragment();
  if (!statement) {
    fragment.append(el("p", "muted", "This problem has no statement."));
    return fragment;
  }
  if (format === "markdown") fragment.append(sanitize(marked.parse(statement, { async: false }), imageBase));
  else if (format === "html") fragment.append(sanitize(statement, imageBase));
  else fragment.append(el("pre", "statement-text", statement));
  // Tables get a class for styling (sanitising dropped the statement's own classes).
  for (const table of fragment.querySelectorAll("table")) table.classList.add("statement-table");
  const holder = document.createElement("div");
  holder.append(fragment);
  if (drawMath) await renderMath(holder);
  const out = document.createDocumentFragment();
  out.append(...holder.childNodes);
  return out;
}
