// Problem statements as DOM, safely: every piece of text from the server
// becomes a text node (never innerHTML). Markdown is a small subset
// (headings, paragraphs, fenced code, emphasis, inline code, lists, tables,
// $math$ as code); HTML is re-built from an allow-list of tags with no attributes;
// LaTeX and plain text are shown preformatted.

const ALLOWED_HTML = new Set([
  "p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "pre", "code", "em",
  "strong", "b", "i", "u", "sub", "sup", "blockquote", "table", "thead", "tbody", "tr",
  "th", "td", "span", "div", "var", "tt", "small", "hr", "dl", "dt", "dd",
]);
const DROPPED_HTML = new Set(["script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"]);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Render a statement into a fragment.
 * @param {string|null} statement
 * @param {"markdown"|"html"|"latex"|"text"|null} format
 * @returns {DocumentFragment}
 */
export function renderStatement(statement, format) {
  const fragment = document.createDocumentFragment();
  if (!statement) {
    fragment.append(el("p", "muted", "This problem has no statement."));
    return fragment;
  }
  if (format === "markdown") fragment.append(...renderMarkdown(statement));
  else if (format === "html") fragment.append(...sanitizeHTML(statement));
  else fragment.append(el("pre", format === "latex" ? "statement-latex" : "statement-text", statement));
  return fragment;
}

const FENCE = /^\s*(```+|~~~+)/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const LIST_ITEM = /^\s*([-*+]|\d+[.)])\s+(.*)$/;

const TABLE_RULE = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;

function tableRow(line, cellTag) {
  const row = el("tr");
  // Split on "|" that is not escaped; the outer pipes are optional.
  const cells = line.trim().replace(/^\|/, "").replace(/(?<!\\)\|$/, "").split(/(?<!\\)\|/);
  for (const cell of cells) {
    const node = el(cellTag);
    node.append(...renderInline(cell.trim().replace(/\\\|/g, "|")));
    row.append(node);
  }
  return row;
}

/** Markdown subset to a list of block nodes. */
export function renderMarkdown(text) {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const blocks = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const fence = FENCE.exec(line);
    if (fence) {
      const body = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[i++]);
      i++; // the closing fence
      const pre = el("pre");
      pre.append(el("code", "", body.join("\n")));
      blocks.push(pre);
      continue;
    }
    if (line.trim() === "") {
      i++;
      continue;
    }
    if (line.trim().startsWith("$$")) {
      const body = [line];
      if (!(line.trim().length > 2 && line.trim().endsWith("$$"))) {
        i++;
        while (i < lines.length && !lines[i].includes("$$")) body.push(lines[i++]);
        if (i < lines.length) body.push(lines[i]);
      }
      i++;
      blocks.push(el("pre", "statement-math", body.join("\n")));
      continue;
    }
    if (line.trim().startsWith("|") && TABLE_RULE.test(lines[i + 1] ?? "")) {
      const table = el("table", "statement-table");
      const head = el("thead");
      head.append(tableRow(line, "th"));
      const body = el("tbody");
      i += 2;
      while (i < lines.length && lines[i].trim().startsWith("|")) body.append(tableRow(lines[i++], "td"));
      table.append(head, body);
      blocks.push(table);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      // Statement headings sit under the page's h1 and the panel's h2.
      const level = Math.min(heading[1].length + 2, 6);
      const h = el(`h${level}`);
      h.append(...renderInline(heading[2]));
      blocks.push(h);
      i++;
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      const ordered = /\d/.test(item[1]);
      const list = el(ordered ? "ol" : "ul");
      while (i < lines.length) {
        const m = LIST_ITEM.exec(lines[i]);
        if (!m || /\d/.test(m[1]) !== ordered) break;
        const parts = [m[2]];
        i++;
        // Indented lines continue the item.
        while (i < lines.length && /^\s{2,}\S/.test(lines[i]) && !LIST_ITEM.exec(lines[i])) parts.push(lines[i++].trim());
        const li = el("li");
        li.append(...renderInline(parts.join(" ")));
        list.append(li);
      }
      blocks.push(list);
      continue;
    }
    const para = [];
    while (
      i < lines.length &&
      lines[i].trim() !== "" &&
      !FENCE.test(lines[i]) &&
      !HEADING.test(lines[i]) &&
      !LIST_ITEM.test(lines[i]) &&
      !lines[i].trim().startsWith("$$") &&
      !(lines[i].trim().startsWith("|") && TABLE_RULE.test(lines[i + 1] ?? ""))
    ) {
      para.push(lines[i++].trim());
    }
    const p = el("p");
    p.append(...renderInline(para.join(" ")));
    blocks.push(p);
  }
  return blocks;
}

const INLINE =
  /(`+)([\s\S]*?[^`])\1(?!`)|\*\*([\s\S]+?)\*\*|__([\s\S]+?)__|\*(?!\s)([^*]+?)\*|(?<![A-Za-z0-9])_(?!\s)([^_]+?)_(?![A-Za-z0-9])|\$([^$\n]+)\$/g;

/** Inline markdown (code, strong, emphasis, $math$) to a list of nodes. */
export function renderInline(text) {
  const nodes = [];
  let last = 0;
  INLINE.lastIndex = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) nodes.push(document.createTextNode(text.slice(last, m.index)));
    if (m[2] !== undefined) nodes.push(el("code", "", m[2].trim() || m[2]));
    else if (m[3] !== undefined || m[4] !== undefined) {
      const strong = el("strong");
      strong.append(...renderInline(m[3] ?? m[4]));
      nodes.push(strong);
    } else if (m[5] !== undefined || m[6] !== undefined) {
      const em = el("em");
      em.append(...renderInline(m[5] ?? m[6]));
      nodes.push(em);
    } else nodes.push(el("code", "math", m[7]));
    last = m.index + m[0].length;
  }
  if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}

/** HTML statement to nodes rebuilt from an allow-list (no attributes, no scripts). */
export function sanitizeHTML(html) {
  // DOMParser documents are inert: scripts don't run, images don't load.
  const doc = new DOMParser().parseFromString(html, "text/html");
  return copyAllowed(doc.body);
}

function copyAllowed(source) {
  const out = [];
  for (const child of source.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) {
      out.push(document.createTextNode(child.textContent));
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      const tag = child.tagName.toLowerCase();
      if (DROPPED_HTML.has(tag)) continue;
      const inner = copyAllowed(child);
      if (ALLOWED_HTML.has(tag)) {
        const copy = document.createElement(tag);
        copy.append(...inner);
        out.push(copy);
      } else {
        out.push(...inner); // unknown tag: keep its text, drop the element
      }
    }
  }
  return out;
}
