// Side-by-side expected / got view of a case, with the difference marked where the
// judge saw it: the checker's own token (checkerSpans), or else the first differing
// character (firstDifference). Both are pure; renderComparison() builds DOM from text nodes.

/**
 * Where two texts first differ, or null when they are equal.
 * @param {string} expected
 * @param {string} got
 * @returns {{offset: number, line: number, column: number, expected: string, got: string} | null}
 *   line and column are 1-based; expected / got are the differing characters ("" past the end)
 */
export function firstDifference(expected, got) {
  if (expected === got) return null;
  let offset = 0;
  const n = Math.min(expected.length, got.length);
  while (offset < n && expected[offset] === got[offset]) offset++;
  const before = expected.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - (before.lastIndexOf("\n") + 1) + 1;
  return { offset, line, column, expected: expected[offset] ?? "", got: got[offset] ?? "" };
}

/** A character as a reader can see it: newlines, tabs, spaces and the end made explicit. */
export function describeChar(ch) {
  if (ch === "") return "end of output";
  if (ch === "\n") return "a line break";
  if (ch === "\r") return "a carriage return";
  if (ch === "\t") return "a tab";
  if (ch === " ") return "a space";
  return `"${ch}"`;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const TOKEN = /[^ \t\n\r\v\f]+/g;

/** Offsets of the tokens of `text` (runs of non-whitespace, as the checker splits). */
function tokenStarts(text) {
  return [...text.matchAll(TOKEN)].map((m) => [m.index, m.index + m[0].length]);
}

/**
 * Where the checker's `difference` (1-based line and token or column in the output) falls
 * in the two texts: a span of the output and the matching span of the expected answer.
 * @param {string} expected
 * @param {string} got
 * @param {{kind: string, line: number|null, token: number|null, column: number|null}} difference
 * @returns {{got: [number, number], expected: [number, number]}} [start, end) offsets
 */
export function checkerSpans(expected, got, difference) {
  const gotTokens = tokenStarts(got);
  const expectedTokens = tokenStarts(expected);
  const endOf = (text) => [text.length, text.length];
  let gotSpan = endOf(got);
  let ordinal = gotTokens.length; // the token of the answer that lines up with the mark
  if (difference.line !== null && difference.line !== undefined) {
    let lineStart = 0;
    for (let n = 1; n < difference.line && lineStart <= got.length; n++) {
      const next = got.indexOf("\n", lineStart);
      lineStart = next < 0 ? got.length + 1 : next + 1;
    }
    lineStart = Math.min(lineStart, got.length);
    if (difference.token) {
      const inLine = gotTokens.findIndex(([start]) => start >= lineStart);
      const index = inLine < 0 ? gotTokens.length : inLine + difference.token - 1;
      if (index < gotTokens.length) gotSpan = gotTokens[index];
      ordinal = Math.min(index, gotTokens.length);
    } else if (difference.column) {
      // A whitespace difference: one character, and the answer's at its first difference.
      const at = Math.min(lineStart + difference.column - 1, got.length);
      gotSpan = [at, Math.min(at + 1, got.length)];
      const first = firstDifference(expected, got);
      const offset = first ? first.offset : expected.length;
      return { got: gotSpan, expected: [offset, Math.min(offset + 1, expected.length)] };
    }
  }
  const expectedSpan = ordinal < expectedTokens.length ? expectedTokens[ordinal] : endOf(expected);
  return { got: gotSpan, expected: expectedSpan };
}

/** A <pre> of `text` with [start, end) (or the end) wrapped in <mark>. */
function markedPre(text, span, label) {
  const pre = el("pre", "io");
  pre.setAttribute("aria-label", label);
  if (span === null) {
    pre.textContent = text;
    return pre;
  }
  const [start, end] = span;
  const at = text.slice(start, Math.max(end, start));
  pre.append(document.createTextNode(text.slice(0, start)));
  // An invisible difference (line break, end) gets a visible marker.
  const mark = el("mark", "first-diff", at === "" ? "\u2205" : at === "\n" ? "\u21b5\n" : at);
  mark.title = "first difference";
  pre.append(mark, document.createTextNode(text.slice(start + at.length)));
  return pre;
}

function pane(title, content) {
  const box = el("div", "pane");
  box.append(el("h4", "pane-title", title), content);
  return box;
}

function charSpan(text, offset) {
  return [offset, offset + (text[offset] === undefined ? 0 : 1)];
}

/**
 * Input, expected and got of one case, side by side, with the difference marked as the
 * judge saw it: the checker's own position when it sent one (`difference`: a token, not
 * the first differing character, since it ignores whitespace), nothing on an accepted case
 * (whatever differs, the checker ignored it), else the first differing character.
 * @param {{verdict?: string, input?: string, answer?: string, output?: string,
 *   difference?: {kind: string, line: number|null, token: number|null, column: number|null}}} result
 * @returns {HTMLElement}
 */
export function renderComparison(result) {
  const wrap = el("div", "comparison");
  const expected = result.answer ?? "";
  const got = result.output ?? "";
  const note = el("p", "diff-note");
  let spans = null;
  if (result.output === undefined || result.output === null) {
    note.textContent = "The output of this case was not sent.";
  } else if (expected === got) {
    note.textContent = "Output matches the expected answer exactly.";
  } else if (result.verdict === "AC") {
    note.textContent = "Accepted: the output differs from the expected answer only where the checker does not look (e.g. whitespace).";
  } else if (result.difference) {
    const d = result.difference;
    spans = checkerSpans(expected, got, d);
    const where = d.line == null ? "" : d.token ? `line ${d.line}, token ${d.token}: ` : d.column ? `line ${d.line}, column ${d.column}: ` : `line ${d.line}: `;
    note.textContent = `The checker: ${where}${d.kind}.`;
    note.classList.add("has-diff", "checker-diff");
  } else {
    const diff = firstDifference(expected, got);
    spans = { got: charSpan(got, diff.offset), expected: charSpan(expected, diff.offset) };
    note.textContent =
      `First difference at line ${diff.line}, column ${diff.column}: ` +
      `expected ${describeChar(diff.expected)}, got ${describeChar(diff.got)}.`;
    note.classList.add("has-diff");
  }
  wrap.append(note);
  const panes = el("div", "panes");
  if (result.input !== undefined && result.input !== null) panes.append(pane("Input", el("pre", "io", result.input)));
  panes.append(
    pane("Expected", markedPre(expected, spans && spans.expected, "Expected output")),
    pane("Got", got === "" && result.output == null ? el("p", "muted", "(no output)") : markedPre(got, spans && spans.got, "Your output")),
  );
  wrap.append(panes);
  return wrap;
}
