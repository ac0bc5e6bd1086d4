// Kattis LaTeX statements (`problem.en.tex`) as HTML: a small, documented subset of what
// problemtools' problem2html understands, enough for the statements people write. Its
// output is a string for statement.js to sanitise with DOMPurify like any HTML; math is
// left in the same placeholders the Markdown path makes, for KaTeX to draw.
//
// Understood: \problemname, \section(*) and \subsection(*) (headings), blank-line
// paragraphs, itemize / enumerate / description with \item, \emph \textit \textbf
// \texttt \underline, \url and \href, \includegraphics and Kattis's \illustration,
// center / flushleft / flushright, verbatim, \\ (line break), ~ (no-break space),
// `` '' -- --- and the escaped specials \% \$ \& \# \_ \{ \}; math in $…$, $$…$$,
// \(…\), \[…\] and the equation / align / displaymath environments (starred too).
// Anything else: a command's braced argument is kept as text, the command dropped;
// % starts a comment; a preamble before \begin{document} is skipped.

const MATH_ENVS = "equation\\*?|align\\*?|displaymath|eqnarray\\*?|gather\\*?|multline\\*?";

/** The body of a multi-line math environment as KaTeX takes it (aligned / gathered). */
function aligned(env, body) {
  if (/^gather/.test(env)) return `\\begin{gathered}${body}\\end{gathered}`;
  if (/^(?:align|eqnarray|multline)/.test(env)) return `\\begin{aligned}${body}\\end{aligned}`;
  return body;
}

function escapeHTML(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function mathHTML(tex, display) {
  const tag = display ? "div" : "span";
  return `<${tag} class="math ${display ? "math-display" : "math-inline"}">${escapeHTML(tex.trim())}</${tag}>`;
}

/** Remove % comments (an escaped \% stays). */
function stripComments(text) {
  return text.replace(/(^|[^\\])%.*$/gm, "$1");
}

/** The body between \begin{document} and \end{document}, or everything. */
function documentBody(text) {
  const begin = text.indexOf("\\begin{document}");
  if (begin < 0) return text;
  const end = text.indexOf("\\end{document}", begin);
  return text.slice(begin + "\\begin{document}".length, end < 0 ? undefined : end);
}

const ARG = "\\{([^{}]*)\\}";

/**
 * Convert a LaTeX statement to an HTML string (to be sanitised by the caller).
 * @param {string} source
 * @returns {string}
 */
export function latexToHTML(source) {
  const kept = []; // finished HTML pieces, out of reach of the text rules below
  const keep = (html) => `\u0000${kept.push(html) - 1}\u0000`;
  const block = (html) => `\n\n${keep(html)}\n\n`; // a block of its own, never in a <p>
  let text = documentBody(source.replace(/\r\n?/g, "\n"));
  // Verbatim first: nothing inside it is LaTeX, not even %.
  text = text.replace(/\\begin\{verbatim\}\n?([\s\S]*?)\\end\{verbatim\}/g, (_, body) =>
    keep(`<pre>${escapeHTML(body)}</pre>`),
  );
  text = stripComments(text);
  // Math, display before inline.
  text = text.replace(new RegExp(`\\\\begin\\{(${MATH_ENVS})\\}([\\s\\S]*?)\\\\end\\{\\1\\}`, "g"), (_, env, body) =>
    block(mathHTML(aligned(env, body), true)),
  );
  text = text.replace(/\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]/g, (_, a, b) => block(mathHTML(a ?? b, true)));
  text = text.replace(/\$((?:\\.|[^$\\])+?)\$|\\\(([\s\S]+?)\\\)/g, (_, a, b) => keep(mathHTML(a ?? b, false)));
  // Specials, then what is left is text: escape it.
  text = text
    .replace(/\\([%$&#_{}])/g, (_, c) => keep(escapeHTML(c)))
    .replace(/\\\\(\[[^\]]*\])?/g, () => keep("<br>"))
    .replace(/\\[ ,;:]/g, " ") // control spaces
    .replace(/\\[!\/]/g, "");
  text = escapeHTML(text);
  text = text
    .replace(/---/g, "\u2014")
    .replace(/--/g, "\u2013")
    .replace(/``/g, "\u201c")
    .replace(/&#39;&#39;/g, "\u201d")
    .replace(/~/g, "\u00a0");
  const heading = (level) => (_, title) => `\n\n${keep(`<h${level}>`)}${title}${keep(`</h${level}>`)}\n\n`;
  // Innermost braces first, until nothing changes: nested commands unwrap from inside.
  const inline = [
    [new RegExp(`\\\\(?:emph|textit|textsl)${ARG}`, "g"), (_, t) => `<em>${t}</em>`],
    [new RegExp(`\\\\textbf${ARG}`, "g"), (_, t) => `<strong>${t}</strong>`],
    [new RegExp(`\\\\texttt${ARG}`, "g"), (_, t) => `<code>${t}</code>`],
    [new RegExp(`\\\\underline${ARG}`, "g"), (_, t) => `<u>${t}</u>`],
    [new RegExp(`\\\\url${ARG}`, "g"), (_, u) => `<a href="${u}">${u}</a>`],
    [new RegExp(`\\\\href${ARG}${ARG}`, "g"), (_, u, t) => `<a href="${u}">${t}</a>`],
    [new RegExp(`\\\\includegraphics(?:\\[[^\\]]*\\])?${ARG}`, "g"), (_, f) => keep(`<img src="${f}" alt="">`)],
    [
      new RegExp(`\\\\illustration${ARG}${ARG}${ARG}`, "g"),
      (_, __, f, caption) =>
        block(`<figure><img src="${f}" alt="${caption.replace(/\u0000\d+\u0000/g, "")}"><figcaption>`) +
        caption +
        block("</figcaption></figure>"),
    ],
    [new RegExp(`\\\\problemname${ARG}`, "g"), heading(3)],
    [new RegExp(`\\\\section\\*?${ARG}`, "g"), heading(3)],
    [new RegExp(`\\\\subsection\\*?${ARG}`, "g"), heading(4)],
    [new RegExp(`\\\\subsubsection\\*?${ARG}`, "g"), heading(5)],
  ];
  for (let changed = true; changed; ) {
    const before = text;
    for (const [pattern, replace] of inline) text = text.replace(pattern, replace);
    changed = text !== before;
  }
  // Environments: lists and alignment blocks.
  text = text
    .replace(/\\begin\{itemize\}/g, () => block("<ul>"))
    .replace(/\\end\{itemize\}/g, () => block("</li></ul>"))
    .replace(/\\begin\{enumerate\}/g, () => block("<ol>"))
    .replace(/\\end\{enumerate\}/g, () => block("</li></ol>"))
    .replace(/\\begin\{description\}/g, () => block("<dl>"))
    .replace(/\\end\{description\}/g, () => block("</dd></dl>"))
    .replace(/\\item\[([^\]]*)\]/g, (_, term) => block("<dt>") + term + block("</dt><dd>"))
    .replace(/\\item\b/g, () => block("<li>"))
    .replace(/\\begin\{(center|flushleft|flushright)\}/g, (_, env) => block(`<div class="${env}">`))
    .replace(/\\end\{(center|flushleft|flushright)\}/g, () => block("</div>"))
    .replace(/\\(?:begin|end)\{[^}]*\}/g, "");
  // Lists: close each item before the next one (the opening tag came first).
  text = fixListItems(text, kept);
  // Unknown commands: keep a braced argument's text, drop the command and stray braces.
  for (let changed = true; changed; ) {
    const before = text;
    text = text.replace(new RegExp(`\\\\[a-zA-Z]+\\*?(?:\\[[^\\]]*\\])?${ARG}`, "g"), "$1");
    changed = text !== before;
  }
  text = text.replace(/\\[a-zA-Z]+\*?/g, "").replace(/[{}]/g, "");
  // Paragraphs: blank lines; a run that starts with a block (heading, list tag, display
  // math) is not wrapped.
  const startsWithBlock = (part) => {
    const m = /^\u0000(\d+)\u0000/.exec(part);
    return m !== null && isBlock(kept[Number(m[1])]);
  };
  const empty = (part) => part.replace(/\u0000(\d+)\u0000/g, (_, n) => kept[Number(n)]).trim() === "";
  const html = text
    .split(/\n\s*\n/)
    .map((part) => part.trim())
    .filter((part) => !empty(part))
    .map((part) => (startsWithBlock(part) ? part : `<p>${part}</p>`))
    .join("\n");
  return restore(html, kept);
}

const BLOCK_START = /^<\/?(?:ul|ol|li|dl|dt|dd|div|pre|figure|figcaption|h\d)\b/;

function isBlock(html) {
  return BLOCK_START.test(html) || /class="math math-display"/.test(html);
}

/** `<li>` pieces open an item; close the previous one first (the first item has none). */
function fixListItems(text, kept) {
  const open = []; // per list: has an item been opened?
  const kinds = []; // per list: its opening tag
  let labelled = false;
  return text.replace(/\u0000(\d+)\u0000/g, (whole, n) => {
    const html = kept[Number(n)];
    if (html === "<ul>" || html === "<ol>" || html === "<dl>") {
      open.push(false);
      kinds.push(html);
      return whole;
    }
    if (html === "</li></ul>" || html === "</li></ol>" || html === "</dd></dl>") {
      const had = open.pop();
      kinds.pop();
      if (!had) kept[Number(n)] = html.replace(/^<\/(?:li|dd)>/, "");
      return whole;
    }
    if (html === "<li>" || html === "<dt>") {
      const list = open.at(-1);
      const described = kinds.at(-1) === "<dl>";
      // A labelled \item[x] outside a description list: an item starting with its label.
      labelled = html === "<dt>" && !described;
      const opener = html === "<dt>" && described ? "<dt>" : "<li>";
      const closer = opener === "<dt>" ? "</dd>" : "</li>";
      if (list) kept[Number(n)] = closer + opener;
      else kept[Number(n)] = opener;
      if (open.length) open[open.length - 1] = true;
    } else if (html === "</dt><dd>" && labelled) {
      kept[Number(n)] = "";
      labelled = false;
    }
    return whole;
  });
}

function restore(html, kept) {
  // Kept pieces may hold other kept pieces (a caption with math): repeat until none is left.
  let out = html;
  for (let i = 0; i < 5 && out.includes("\u0000"); i++) {
    out = out.replace(/\u0000(\d+)\u0000/g, (_, n) => kept[Number(n)]);
  }
  return out;
}
