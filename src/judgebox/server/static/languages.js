// Which CodeMirror language mode highlights which judge language id. Each mode is
// a dynamic import: esbuild splits it into its own chunk, loaded the first time a
// person picks that language. Ids the page does not know get no highlighting.

/** @type {Record<string, () => Promise<import("@codemirror/language").LanguageSupport | import("@codemirror/language").StreamLanguage<unknown>>>} */
const MODES = {
  c: async () => (await import("@codemirror/lang-cpp")).cpp(),
  cpp: async () => (await import("@codemirror/lang-cpp")).cpp(),
  python3: async () => (await import("@codemirror/lang-python")).python(),
  pypy3: async () => (await import("@codemirror/lang-python")).python(),
  java: async () => (await import("@codemirror/lang-java")).java(),
  javascript: async () => (await import("@codemirror/lang-javascript")).javascript(),
  rust: async () => (await import("@codemirror/lang-rust")).rust(),
  go: async () => legacy(await import("@codemirror/legacy-modes/mode/go"), "go"),
  csharp: async () => legacy(await import("@codemirror/legacy-modes/mode/clike"), "csharp"),
  kotlin: async () => legacy(await import("@codemirror/legacy-modes/mode/clike"), "kotlin"),
  scala: async () => legacy(await import("@codemirror/legacy-modes/mode/clike"), "scala"),
  haskell: async () => legacy(await import("@codemirror/legacy-modes/mode/haskell"), "haskell"),
  pascal: async () => legacy(await import("@codemirror/legacy-modes/mode/pascal"), "pascal"),
  ruby: async () => legacy(await import("@codemirror/legacy-modes/mode/ruby"), "ruby"),
  lua: async () => legacy(await import("@codemirror/legacy-modes/mode/lua"), "lua"),
  swift: async () => legacy(await import("@codemirror/legacy-modes/mode/swift"), "swift"),
  ocaml: async () => legacy(await import("@codemirror/legacy-modes/mode/mllike"), "oCaml"),
  fsharp: async () => legacy(await import("@codemirror/legacy-modes/mode/mllike"), "fSharp"),
};

async function legacy(module, name) {
  const { StreamLanguage } = await import("@codemirror/language");
  return StreamLanguage.define(module[name]);
}

/** The language mode for a judge language id, or null when the page has none. */
export async function languageMode(id) {
  const load = MODES[id];
  return load ? load() : null;
}

/** The indentation unit people expect in this language. */
export function indentUnitFor(id) {
  return id === "go" ? "\t" : "    ";
}
