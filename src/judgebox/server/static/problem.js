// The problem panel: title, limits, statement (with its language picker) and sample
// cases of the document GET /problems/{name} returns. The statement's libraries
// (marked, DOMPurify, then KaTeX) load only when a statement needs them, so the
// editor is usable before them. A LaTeX statement arrives as HTML the server made
// (plasTeX) and sanitised; when that failed, the panel says so and shows the TeX.

const statementModule = () => import("/static/statement.js");

let mathDrawing = 0;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A time limit as sent by the server (seconds as a number, or a string like "2s"). */
export function formatTimeLimit(value) {
  if (typeof value === "number") return value >= 100 ? `${value} ms` : `${value} s`;
  return value ? String(value) : "—";
}

/** A memory limit as sent by the server (bytes, or MiB when small, or a string like "256m"). */
export function formatMemoryLimit(value) {
  if (typeof value === "number") {
    const mib = value >= 1 << 20 ? value / (1 << 20) : value;
    return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
  }
  return value ? String(value) : "—";
}

function copyButton(text, label) {
  const button = el("button", "link-button", "Copy");
  button.type = "button";
  button.setAttribute("aria-label", label);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Copy failed";
    }
    setTimeout(() => (button.textContent = "Copy"), 1500);
  });
  return button;
}

/**
 * An interactive sample's `.interaction` log as a dialogue: lines starting with `>` are
 * what the judge sends the program (its input), `<` what the program answers (its output).
 * @param {string} log
 * @returns {{from: "judge"|"program"|"note", text: string}[]}
 */
export function interactionLines(log) {
  return String(log)
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .filter((line, i, all) => line !== "" || i < all.length - 1)
    .map((line) => {
      if (line.startsWith(">")) return { from: "judge", text: line.slice(1) };
      if (line.startsWith("<")) return { from: "program", text: line.slice(1) };
      return { from: "note", text: line };
    });
}

function renderInteraction(sample, name) {
  const box = el("div", "sample");
  box.append(el("h4", "sample-name", `${name} (interaction)`));
  const list = el("ol", "interaction");
  list.setAttribute("aria-label", `Interaction of ${name}`);
  for (const { from, text } of interactionLines(sample.interaction)) {
    const item = el("li", `turn turn-${from}`);
    if (from !== "note") item.append(el("span", "turn-who", from === "judge" ? "Judge" : "Your program"));
    item.append(el("code", "turn-text", text));
    list.append(item);
  }
  box.append(list);
  return box;
}

function renderSample(sample, number) {
  const name = String(sample.name ?? `sample/${number}`);
  if (typeof sample.interaction === "string") return renderInteraction(sample, name);
  const box = el("div", "sample");
  box.append(el("h4", "sample-name", name));
  const panes = el("div", "panes");
  for (const [title, text] of [["Input", sample.input], ["Answer", sample.answer]]) {
    const pane = el("div", "pane");
    const head = el("div", "pane-head");
    head.append(el("span", "pane-title", title), copyButton(String(text ?? ""), `Copy ${title.toLowerCase()} of ${name}`));
    pane.append(head, el("pre", "io", String(text ?? "")));
    panes.append(pane);
  }
  box.append(panes);
  return box;
}

/**
 * Fill the problem panel; its math is drawn after (#statement[data-math="drawn"]).
 * @param {HTMLElement} root element holding #problem-title, #problem-limits, #statement, #samples
 * @param {any} problem the GET /problems/{name} document
 */
export async function renderProblem(root, problem) {
  root.querySelector("#problem-title").textContent = problem.title || problem.name;
  const limits = root.querySelector("#problem-limits");
  limits.textContent =
    `Time limit ${formatTimeLimit(problem.timeLimit)} · Memory limit ${formatMemoryLimit(problem.memoryLimit)} · ` +
    `${problem.totalCases} test cases (${problem.sampleCases} samples)`;
  renderLanguagePicker(root, problem);
  const note = root.querySelector("#statement-note");
  note.hidden = !problem.statementError;
  note.textContent = problem.statementError
    ? `This LaTeX statement could not be converted (${problem.statementError}); its source is shown.`
    : "";
  const box = root.querySelector("#statement");
  const drawing = ++mathDrawing;
  box.dataset.math = "drawing"; // at once: a "drawn" left by the previous problem must not be read as this one's
  let [text, format] = [problem.statement, problem.statementFormat];
  if (format === "latex" && typeof problem.statementHtml === "string") [text, format] = [problem.statementHtml, "html"];
  else if (format === "latex") format = "text"; // the conversion failed: the source, as typed
  if (!text || format === "text" || !format) {
    box.replaceChildren(text ? el("pre", "statement-text", text) : el("p", "muted", "This problem has no statement."));
    box.dataset.math = "drawn";
  } else {
    const { renderMath, renderStatement } = await statementModule();
    const imageBase = `/problems/${encodeURIComponent(problem.name)}/statement-files/`;
    const statement = await renderStatement(text, format, { imageBase, drawMath: false });
    if (drawing !== mathDrawing) return; // another problem (or language) came meanwhile
    box.replaceChildren(statement);
    box.dataset.math = "drawing";
    // KaTeX loads on first use: the statement (TeX shown as typed) and the page are usable meanwhile.
    renderMath(box).finally(() => {
      if (drawing === mathDrawing) box.dataset.math = "drawn"; // not if another problem came since
    });
  }
  const samples = root.querySelector("#samples");
  const list = Array.isArray(problem.samples) ? problem.samples : [];
  samples.replaceChildren();
  if (list.length) {
    samples.append(el("h3", "", "Sample cases"));
    list.forEach((sample, i) => samples.append(renderSample(sample, i + 1)));
  }
}

/** A language code as people read it: "Svenska (sv)"; the code alone if the browser cannot say. */
export function languageName(code) {
  try {
    const name = new Intl.DisplayNames([code], { type: "language" }).of(code);
    if (name && name !== code) return `${name.charAt(0).toUpperCase()}${name.slice(1)} (${code})`;
  } catch {
    // not a code Intl knows
  }
  return code;
}

/** The statement language picker: shown only when the statement exists in several languages. */
function renderLanguagePicker(root, problem) {
  const field = root.querySelector("#statement-language-field");
  const select = root.querySelector("#statement-language");
  const languages = Array.isArray(problem.statementLanguages) ? problem.statementLanguages : [];
  field.hidden = languages.length < 2;
  select.replaceChildren(...languages.map((code) => {
    const option = el("option", "", languageName(code));
    option.value = code;
    return option;
  }));
  if (problem.statementLanguage) select.value = problem.statementLanguage;
}

/** Show that the problem could not be loaded. */
export function renderProblemError(root, message) {
  root.querySelector("#problem-title").textContent = "Problem not available";
  root.querySelector("#problem-limits").textContent = "";
  root.querySelector("#statement").replaceChildren(el("p", "error-text", message));
  root.querySelector("#statement-language-field").hidden = true;
  root.querySelector("#statement-note").hidden = true;
  root.querySelector("#samples").replaceChildren();
}
