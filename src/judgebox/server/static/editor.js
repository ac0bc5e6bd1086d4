// A plain <textarea> that behaves like a code editor: a line-number gutter kept
// in step with the text and its scrolling, Tab / Shift+Tab to indent and
// outdent (also over a multi-line selection), Enter keeps the indentation (one
// more level after ":", "{", "(" or "["), Backspace in leading spaces removes
// one level. Esc then Tab leaves the editor, so the keyboard is never trapped.
// Edits go through execCommand("insertText") where it exists, so undo works.

const OPENERS = new Set([":", "{", "(", "["]);
const PAIRS = { "{": "}", "(": ")", "[": "]" };

export class CodeEditor {
  /**
   * @param {HTMLTextAreaElement} textarea
   * @param {HTMLElement} gutter element that shows the line numbers
   * @param {{indentUnit?: string}} [options]
   */
  constructor(textarea, gutter, { indentUnit = "    " } = {}) {
    this.textarea = textarea;
    this.gutter = gutter;
    this.indentUnit = indentUnit;
    this._lineCount = 0;
    this._tabLeaves = false;
    textarea.addEventListener("keydown", (e) => this._onKeyDown(e));
    textarea.addEventListener("input", () => this._renderGutter());
    textarea.addEventListener("scroll", () => this._syncScroll());
    this._renderGutter();
  }

  /** The current source text. */
  get value() {
    return this.textarea.value;
  }

  /** Replace the whole text (not an undoable edit: used when switching problem or language). */
  set value(text) {
    this.textarea.value = text;
    this.textarea.setSelectionRange(0, 0);
    this.textarea.scrollTop = 0;
    this._renderGutter();
  }

  _renderGutter() {
    const count = this.textarea.value.split("\n").length;
    if (count !== this._lineCount) {
      this._lineCount = count;
      let text = "";
      for (let n = 1; n <= count; n++) text += n + "\n";
      this.gutter.textContent = text;
    }
    this._syncScroll();
  }

  _syncScroll() {
    this.gutter.scrollTop = this.textarea.scrollTop;
  }

  _onKeyDown(e) {
    if (e.key === "Escape") {
      this._tabLeaves = true;
      return;
    }
    const leave = this._tabLeaves;
    this._tabLeaves = false;
    if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    if (e.key === "Tab" && !leave) {
      e.preventDefault();
      if (e.shiftKey) this._outdent();
      else this._indent();
    } else if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      this._newline();
    } else if (e.key === "Backspace" && this._backspaceIndent()) {
      e.preventDefault();
    }
  }

  _insert(text, selectFrom, selectTo) {
    const ta = this.textarea;
    ta.focus();
    // execCommand keeps the browser's undo stack; setRangeText is the fallback.
    const command = text === "" ? "delete" : "insertText";
    const done = typeof document.execCommand === "function" && document.execCommand(command, false, text);
    if (!done) {
      ta.setRangeText(text, ta.selectionStart, ta.selectionEnd, "end");
      ta.dispatchEvent(new Event("input", { bubbles: true }));
    }
    if (selectFrom !== undefined) ta.setSelectionRange(selectFrom, selectTo ?? selectFrom);
  }

  _lineStart(pos) {
    return this.textarea.value.lastIndexOf("\n", pos - 1) + 1;
  }

  _selectedLines() {
    const ta = this.textarea;
    const start = this._lineStart(ta.selectionStart);
    // A selection ending at the very start of a line does not include that line.
    let endPos = ta.selectionEnd;
    if (endPos > ta.selectionStart && ta.value[endPos - 1] === "\n") endPos--;
    let end = ta.value.indexOf("\n", endPos);
    if (end === -1) end = ta.value.length;
    return { start, end };
  }

  _indent() {
    const ta = this.textarea;
    const { selectionStart: from, selectionEnd: to, value } = ta;
    if (!value.slice(from, to).includes("\n")) {
      const column = from - this._lineStart(from);
      const unit = this.indentUnit;
      const width = unit === "\t" ? 1 : unit.length - (column % unit.length);
      this._insert(unit === "\t" ? "\t" : " ".repeat(width));
      return;
    }
    const { start, end } = this._selectedLines();
    const lines = value.slice(start, end).split("\n");
    const indented = lines.map((line) => (line.length ? this.indentUnit + line : line)).join("\n");
    ta.setSelectionRange(start, end);
    this._insert(indented, start, start + indented.length);
  }

  _outdent() {
    const ta = this.textarea;
    const { start, end } = this._selectedLines();
    const unit = this.indentUnit;
    const lines = ta.value.slice(start, end).split("\n");
    const outdented = lines
      .map((line) => {
        if (line.startsWith("\t")) return line.slice(1);
        let n = 0;
        while (n < unit.length && line[n] === " ") n++;
        return line.slice(n);
      })
      .join("\n");
    if (outdented === ta.value.slice(start, end)) return;
    const caretAtStart = ta.selectionStart === ta.selectionEnd;
    ta.setSelectionRange(start, end);
    if (caretAtStart) this._insert(outdented, start + leadingWhitespace(outdented).length);
    else this._insert(outdented, start, start + outdented.length);
  }

  _newline() {
    const ta = this.textarea;
    const { selectionStart: from, value } = ta;
    const lineStart = this._lineStart(from);
    const before = value.slice(lineStart, from);
    let indent = leadingWhitespace(before);
    const lastChar = before.trimEnd().slice(-1);
    const nextChar = value[ta.selectionEnd] ?? "";
    if (OPENERS.has(lastChar)) {
      const inner = indent + this.indentUnit;
      if (PAIRS[lastChar] && PAIRS[lastChar] === nextChar) {
        // "{|}" becomes "{\n    |\n}": the closer goes to its own line.
        const text = "\n" + inner + "\n" + indent;
        this._insert(text, from + 1 + inner.length);
        return;
      }
      indent = inner;
    }
    this._insert("\n" + indent);
  }

  _backspaceIndent() {
    const ta = this.textarea;
    const { selectionStart: from, selectionEnd: to, value } = ta;
    if (from !== to || this.indentUnit === "\t") return false;
    const lineStart = this._lineStart(from);
    const before = value.slice(lineStart, from);
    if (before.length === 0 || /[^ ]/.test(before)) return false;
    const remove = before.length % this.indentUnit.length || this.indentUnit.length;
    ta.setSelectionRange(from - remove, from);
    this._insert("");
    return true;
  }
}

function leadingWhitespace(text) {
  return /^[ \t]*/.exec(text)[0];
}
