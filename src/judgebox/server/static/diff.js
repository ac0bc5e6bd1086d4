// Side-by-side expected / got view of a sample case, with the first
// difference marked. firstDifference() is pure; renderComparison() builds DOM
// from text nodes only.

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

/** A <pre> of `text` with the character at `offset` (or the end) wrapped in <mark>. */
function markedPre(text, offset, label) {
  const pre = el("pre", "io");
  pre.setAttribute("aria-label", label);
  if (offset === null) {
    pre.textContent = text;
    return pre;
  }
  const at = text[offset] ?? "";
  pre.append(document.createTextNode(text.slice(0, offset)));
  // An invisible difference (line break, end) gets a visible marker.
  const mark = el("mark", "first-diff", at === "" ? "\u2205" : at === "\n" ? "\u21b5\n" : at);
  mark.title = "first difference";
  pre.append(mark, document.createTextNode(text.slice(offset + at.length)));
  return pre;
}

function pane(title, content) {
  const box = el("div", "pane");
  box.append(el("h4", "pane-title", title), content);
  return box;
}

/**
 * Input, expected and got of one case, side by side.
 * @param {{input?: string, answer?: string, output?: string}} result
 * @param {{position?: {offset: number, line: number, column: number, expected: string, got: string} | null}} [options]
 *   a difference the checker itself reported, in firstDifference()'s shape, to mark
 *   instead of the first differing character
 * @returns {HTMLElement}
 */
export function renderComparison(result, { position } = {}) {
  const wrap = el("div", "comparison");
  const expected = result.answer ?? "";
  const got = result.output ?? "";
  const diff = position !== undefined ? position : firstDifference(expected, got);
  const note = el("p", "diff-note");
  if (result.output === undefined || result.output === null) {
    note.textContent = "The output of this case was not sent.";
  } else if (diff === null) {
    note.textContent = "Output matches the expected answer exactly.";
  } else {
    note.textContent =
      `First difference at line ${diff.line}, column ${diff.column}: ` +
      `expected ${describeChar(diff.expected)}, got ${describeChar(diff.got)}.`;
    note.classList.add("has-diff");
  }
  wrap.append(note);
  const panes = el("div", "panes");
  if (result.input !== undefined && result.input !== null) panes.append(pane("Input", el("pre", "io", result.input)));
  const offset = diff ? diff.offset : null;
  panes.append(
    pane("Expected", markedPre(expected, offset, "Expected output")),
    pane("Got", got === "" && result.output == null ? el("p", "muted", "(no output)") : markedPre(got, offset, "Your output")),
  );
  wrap.append(panes);
  return wrap;
}
