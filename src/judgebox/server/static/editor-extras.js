// The editor's conveniences that can arrive a moment after it: closing brackets, the
// search panel (Ctrl+F) and highlighting the selection's other occurrences. A chunk of
// their own (editor.js imports this module dynamically), off the page's first load.

import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { keymap } from "@codemirror/view";

/** The extensions, in the order of precedence editor.js gives them. */
export function editorExtras() {
  return [closeBrackets(), highlightSelectionMatches(), keymap.of([...closeBracketsKeymap, ...searchKeymap])];
}
