// The page's wiring: choose a problem and a language, edit the code, run
// "Validate with dataset" as a stream, cancel it for real.

import { getProblem, listLanguages, listProblems, NetworkError, ServerError, validateDataset } from "/static/api.js";
import { loadCode, loadLastChoice, saveCode, saveLastChoice } from "/static/code-store.js";
import { CodeEditor } from "/static/editor.js";
import { renderProblem, renderProblemError } from "/static/problem.js";
import { ResultsView } from "/static/results.js";
import { indentUnitFor, starterCode } from "/static/templates.js";

const $ = (id) => document.getElementById(id);

const ui = {
  problemSelect: $("problem-select"),
  languageSelect: $("language-select"),
  stopOnFailure: $("stop-on-first-failure"),
  validate: $("validate-button"),
  cancel: $("cancel-button"),
  problemPanel: $("problem-panel"),
  serverNote: $("server-note"),
};
const editor = new CodeEditor($("code"), $("editor-gutter"));
const results = new ResultsView($("results-panel"));

/** The run in progress: its AbortController and clock, or null. */
let running = null;
let languages = [];
let saveTimer = 0;
/** The (problem, language) whose code is in the editor: the selects may already show the next. */
let editorKey = null;

function option(value, text) {
  const node = document.createElement("option");
  node.value = value;
  node.textContent = text;
  return node;
}

function describeError(err) {
  if (err instanceof ServerError) return [`Server error ${err.status} (${err.code}):`, err.message];
  if (err instanceof NetworkError) return ["Network error:", err.message];
  return ["Unexpected error in the page:", String(err && err.message ? err.message : err)];
}

function currentKey() {
  return { problem: ui.problemSelect.value, language: ui.languageSelect.value };
}

function loadEditor() {
  const { problem, language } = currentKey();
  if (!problem || !language) return;
  editor.indentUnit = indentUnitFor(language);
  editor.value = loadCode(problem, language) ?? starterCode(language);
  editorKey = { problem, language };
  saveLastChoice(problem, language);
}

function saveEditorSoon() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(saveEditorNow, 300);
}

function saveEditorNow() {
  clearTimeout(saveTimer);
  if (editorKey) saveCode(editorKey.problem, editorKey.language, editor.value);
}

async function showProblem(name) {
  ui.problemPanel.setAttribute("aria-busy", "true");
  try {
    renderProblem(ui.problemPanel, await getProblem(name));
  } catch (err) {
    renderProblemError(ui.problemPanel, describeError(err).join(" "));
  } finally {
    ui.problemPanel.removeAttribute("aria-busy");
  }
}

function setRunning(run) {
  // A button that gets disabled while focused drops the focus on <body>: hand it
  // to the other button so keyboard users can cancel, or run again, at once.
  const from = document.activeElement;
  running = run;
  ui.validate.disabled = run !== null;
  ui.cancel.disabled = run === null;
  document.body.classList.toggle("is-running", run !== null);
  if (run !== null && from === ui.validate) ui.cancel.focus();
  if (run === null && from === ui.cancel) ui.validate.focus();
}

function handleMessage(message, state) {
  if (message.kind === "comment") return; // ": ping" keeps proxies awake; nothing to show
  let data;
  try {
    data = JSON.parse(message.data);
  } catch {
    return; // not one of ours; docs/api.md events are one line of JSON
  }
  switch (message.event) {
    case "start":
      results.start(data);
      break;
    case "compile":
      results.compile(data);
      break;
    case "case-result":
      results.caseResult(data);
      break;
    case "complete":
      state.completed = true;
      results.complete(data);
      break;
    default:
      break; // newer servers may add event types
  }
}

async function validate() {
  if (running) return;
  const { problem, language } = currentKey();
  if (!problem || !language) {
    results.failed("Cannot validate:", "choose a problem and a language first.");
    return;
  }
  saveEditorNow();
  const languageName = ui.languageSelect.selectedOptions[0]?.textContent ?? language;
  const controller = new AbortController();
  const began = performance.now();
  const clock = setInterval(() => results.tick(Math.floor((performance.now() - began) / 1000)), 1000);
  setRunning({ controller, clock });
  results.reset(problem, languageName);
  results.tick(0);
  const state = { completed: false };
  try {
    await validateDataset(
      { problem, language, code: editor.value, stopOnFirstFailure: ui.stopOnFailure.checked },
      { signal: controller.signal, onMessage: (m) => handleMessage(m, state) },
    );
    if (!state.completed) {
      results.failed("Network error:", "the server closed the stream before the run finished.");
    }
  } catch (err) {
    if (err && err.name === "AbortError") results.cancelled();
    else results.failed(...describeError(err));
  } finally {
    clearInterval(clock);
    setRunning(null);
  }
}

function cancel() {
  if (running) running.controller.abort();
}

async function init() {
  ui.validate.addEventListener("click", validate);
  ui.cancel.addEventListener("click", cancel);
  editor.textarea.addEventListener("input", saveEditorSoon);
  window.addEventListener("pagehide", saveEditorNow);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      validate();
    }
  });
  ui.problemSelect.addEventListener("change", () => {
    saveEditorNow();
    loadEditor();
    showProblem(ui.problemSelect.value);
  });
  ui.languageSelect.addEventListener("change", () => {
    saveEditorNow();
    loadEditor();
  });

  let problems;
  try {
    [languages, problems] = await Promise.all([listLanguages(), listProblems()]);
  } catch (err) {
    ui.serverNote.textContent = describeError(err).join(" ");
    ui.serverNote.hidden = false;
    return;
  }
  const last = loadLastChoice();
  ui.languageSelect.replaceChildren(
    ...languages.map((l) => option(l.id, l.version ? `${l.name} (${l.version})` : l.name)),
  );
  ui.problemSelect.replaceChildren(...problems.map((p) => option(p.name, p.title && p.title !== p.name ? `${p.title} (${p.name})` : p.name)));
  if (last.language && languages.some((l) => l.id === last.language)) ui.languageSelect.value = last.language;
  if (last.problem && problems.some((p) => p.name === last.problem)) ui.problemSelect.value = last.problem;
  ui.validate.disabled = problems.length === 0 || languages.length === 0;
  if (problems.length === 0) renderProblemError(ui.problemPanel, "The server has no problems. Start it with --problems DIR.");
  else await showProblem(ui.problemSelect.value);
  loadEditor();
  document.body.dataset.ready = "true";
}

init();
