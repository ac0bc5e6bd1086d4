// The code editor: CodeMirror 6 with line numbers, syntax highlighting per
// language (token classes "tok-*", coloured by style.css for light and dark),
// bracket matching and closing, search (Ctrl+F), auto-indent, undo history.
// Tab indents and Shift+Tab outdents; Esc then Tab leaves the editor, so the
// keyboard is never trapped; Ctrl+Enter (Cmd+Enter) calls onSubmit. Bracket closing
// and search come from editor-extras.js, loaded right after the editor is drawn (the
// first load carries only what typing needs); `data-language` is set once both they
// and the language's mode are in.

import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { bracketMatching, indentOnInput, indentUnit, syntaxHighlighting } from "@codemirror/language";
import { Compartment, EditorState, Prec } from "@codemirror/state";
import {
  drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, highlightSpecialChars,
  keymap, lineNumbers,
} from "@codemirror/view";
import { classHighlighter } from "@lezer/highlight";

import { indentUnitFor, languageMode } from "/static/languages.js";

export class CodeEditor {
  /**
   * @param {HTMLElement} host element the editor is drawn into
   * @param {{label: string, describedBy?: string, onChange?: () => void, onSubmit?: () => void}} options
   */
  constructor(host, { label, describedBy, onChange = () => {}, onSubmit = () => {} }) {
    this.host = host;
    this.languageId = null;
    this._language = new Compartment();
    this._indent = new Compartment();
    this._history = new Compartment();
    this._extras = new Compartment();
    this._loading = 0;
    this._replacing = false; // load() is not an edit of the person's: no onChange
    // tabindex: axe (and some screen readers) count only it as "focusable" on the scroller.
    const attributes = { "aria-label": label, tabindex: "0" };
    if (describedBy) attributes["aria-describedby"] = describedBy;
    this.view = new EditorView({
      parent: host,
      state: EditorState.create({
        doc: "",
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightSpecialChars(),
          this._history.of(history()),
          drawSelection(),
          EditorState.allowMultipleSelections.of(true),
          indentOnInput(),
          syntaxHighlighting(classHighlighter),
          bracketMatching(),
          highlightActiveLine(),
          this._language.of([]),
          this._indent.of(indentUnit.of("    ")),
          Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => (onSubmit(), true) }])),
          this._extras.of([]), // before the default keymap: its bracket keys come first
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          EditorView.contentAttributes.of(attributes),
          EditorView.updateListener.of((update) => {
            if (update.docChanged && !this._replacing) onChange();
          }),
        ],
      }),
    });
    // The hook tests and other modules use to reach the editor from its element.
    host.editor = this;
    this._extrasLoaded = import("/static/editor-extras.js")
      .then(({ editorExtras }) => this.view.dispatch({ effects: this._extras.reconfigure(editorExtras()) }))
      .catch(() => {}); // a chunk that failed to load: typing still works
  }

  /** The current source text. */
  get value() {
    return this.view.state.doc.toString();
  }

  /**
   * Show `text` in the language `id` with a fresh undo history (undo never brings back
   * another problem's code); highlighting arrives when the language's mode has loaded.
   */
  async load(text, id) {
    this.languageId = id;
    delete this.host.dataset.language;
    this.view.dispatch({ effects: this._history.reconfigure([]) });
    this._replacing = true;
    this.view.dispatch({
      changes: { from: 0, to: this.view.state.doc.length, insert: text },
      selection: { anchor: 0 },
      effects: [this._indent.reconfigure(indentUnit.of(indentUnitFor(id))), this._language.reconfigure([])],
      scrollIntoView: true,
    });
    this._replacing = false;
    this.view.dispatch({ effects: this._history.reconfigure(history()) });
    const ticket = ++this._loading;
    let mode = null;
    try {
      [mode] = await Promise.all([languageMode(id), this._extrasLoaded]);
    } catch {
      mode = null; // a chunk that failed to load: plain text still works
    }
    if (ticket !== this._loading || !mode) return;
    this.view.dispatch({ effects: this._language.reconfigure(mode) });
    this.host.dataset.language = id;
  }

  focus() {
    this.view.focus();
  }
}
