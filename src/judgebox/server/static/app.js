// The page's wiring: choose a problem and a language, edit the code, start a
// run, follow its events, cancel it for real, and find it again after a reload.
//
// Runs are started with POST /runs and followed on GET /runs/{id}/events, so a
// reload (or a dropped connection) re-attaches with Last-Event-ID instead of
// losing the run. Cancel both aborts the stream and sends DELETE /runs/{id}:
// the server kills the run's processes; closing the stream alone would not.

import {
  createRun, deleteRun, getProblem, getRun, listLanguages, listProblems, NetworkError, ServerError,
  streamRunEvents,
} from "/static/api.js";
import {
  loadCode, loadLastChoice, loadRuns, loadStatementLanguage, saveCode, saveLastChoice, saveRun,
  saveStatementLanguage,
} from "/static/code-store.js";
import { CodeEditor } from "/static/editor.js";
import { mountCustomInput } from "/static/custom-input.js";
import { HistoryView } from "/static/history.js";
import { renderProblem, renderProblemError } from "/static/problem.js";
import { starterCode } from "/static/templates.js";

// Every static import has arrived: bench/bench_page.py counts what came before as the first load.
performance.mark("judgebox:boot");

const $ = (id) => document.getElementById(id);
const RECONNECTS = 5;

const ui = {
  problemSelect: $("problem-select"),
  statementLanguage: $("statement-language"),
  languageSelect: $("language-select"),
  stopOnFailure: $("stop-on-first-failure"),
  validate: $("validate-button"),
  cancel: $("cancel-button"),
  problemPanel: $("problem-panel"),
  serverNote: $("server-note"),
};
/** The results panel: its code (and the diff's) loads when a run is first shown. */
let results = null;
async function resultsView() {
  if (!results) {
    const { ResultsView } = await import("/static/results.js");
    results ??= new ResultsView($("results-panel"));
  }
  return results;
}
const history = new HistoryView($("history"), { onShow: (run) => showPastRun(run.runId) });
let saveTimer = 0;
const editor = new CodeEditor($("code"), {
  label: "Source code",
  describedBy: "editor-help",
  onChange: () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveEditorNow, 300);
  },
  onSubmit: () => validate(),
});

/** The run being followed: {controller, clock, runId, cancelled}, or null. */
let running = null;
let languages = [];
/** Problem documents already fetched, by name and statement language (their limits label the results). */
const problemDocs = new Map();
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

function languageLabel(id) {
  return languages.find((l) => l.id === id)?.name ?? id;
}

function loadEditor() {
  const { problem, language } = currentKey();
  if (!problem || !language) return;
  editorKey = { problem, language };
  editor.load(loadCode(problem, language) ?? starterCode(language), language);
  saveLastChoice(problem, language);
}

function saveEditorNow() {
  clearTimeout(saveTimer);
  if (editorKey) saveCode(editorKey.problem, editorKey.language, editor.value);
}

async function problemDoc(name) {
  // The statement in the language last picked, where the problem has it (the server falls back).
  const language = loadStatementLanguage() ?? "";
  const key = `${name}\n${language}`;
  if (!problemDocs.has(key)) problemDocs.set(key, await getProblem(name, language || undefined));
  return problemDocs.get(key);
}

async function showProblem(name) {
  ui.problemPanel.setAttribute("aria-busy", "true");
  try {
    await renderProblem(ui.problemPanel, await problemDoc(name));
  } catch (err) {
    renderProblemError(ui.problemPanel, describeError(err).join(" "));
  } finally {
    ui.problemPanel.removeAttribute("aria-busy");
  }
}

async function limitsOf(problem) {
  try {
    const doc = await problemDoc(problem);
    return { timeLimit: doc.timeLimit, memoryLimit: doc.memoryLimit };
  } catch {
    return {};
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

function startClock(began) {
  const tick = () => results.tick(Math.max(0, Math.floor((Date.now() - began) / 1000)));
  tick();
  return setInterval(tick, 1000);
}

function handleMessage(message, state) {
  if (message.kind === "comment") return; // ": ping" keeps proxies awake; nothing to show
  if (message.id) state.lastEventId = Number(message.id) || state.lastEventId;
  let data;
  try {
    data = JSON.parse(message.data);
  } catch {
    return; // not one of ours; docs/api.md events are one line of JSON
  }
  if (message.event === "complete") {
    state.completed = true;
    saveRun({ runId: state.runId, verdict: String(data.verdict), status: String(data.status) });
    history.render(loadRuns());
  }
  results.handle(message.event, data);
}

/**
 * Follow a run's events until `complete`, re-attaching with Last-Event-ID when the
 * connection drops; throws the AbortError when the person cancels.
 */
async function follow(run, lastEventId) {
  const state = { runId: run.runId, completed: false, lastEventId };
  for (let attempt = 0; ; attempt++) {
    try {
      await streamRunEvents(run.runId, {
        signal: run.controller.signal,
        lastEventId: state.lastEventId,
        onMessage: (m) => handleMessage(m, state),
      });
      if (state.completed) return;
    } catch (err) {
      if (!(err instanceof NetworkError) || attempt >= RECONNECTS) throw err;
    }
    if (attempt >= RECONNECTS) {
      results.failed("Network error:", "the server closed the stream before the run finished.");
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)));
    if (run.controller.signal.aborted) throw run.controller.signal.reason;
  }
}

async function runToEnd(run, lastEventId) {
  try {
    await follow(run, lastEventId);
  } catch (err) {
    if (err && err.name === "AbortError") results.cancelled();
    else results.failed(...describeError(err));
  } finally {
    clearInterval(run.clock);
    setRunning(null);
  }
}

async function validate() {
  if (running) return;
  const { problem, language } = currentKey();
  if (!problem || !language) {
    (await resultsView()).failed("Cannot validate:", "choose a problem and a language first.");
    return;
  }
  saveEditorNow();
  const languageName = ui.languageSelect.selectedOptions[0]?.textContent ?? language;
  const run = { controller: new AbortController(), clock: 0, runId: null };
  setRunning(run);
  try {
    await resultsView();
  } catch (err) {
    setRunning(null);
    ui.serverNote.textContent = `The results view could not load: ${describeError(err).join(" ")}`;
    ui.serverNote.hidden = false;
    return;
  }
  run.clock = startClock(Date.now());
  results.reset(problem, languageName, await limitsOf(problem));
  const body = { problem, language, code: editor.value, stopOnFirstFailure: ui.stopOnFailure.checked };
  try {
    // No abort signal here: a POST the server already took would leave a run nobody
    // can cancel. A Cancel pressed meanwhile is honoured once the run id is known.
    run.runId = (await createRun(body)).runId;
  } catch (err) {
    clearInterval(run.clock);
    setRunning(null);
    results.failed(...describeError(err));
    return;
  }
  saveRun({ runId: run.runId, problem, language, startedAt: Date.now() });
  history.render(loadRuns());
  if (run.controller.signal.aborted) {
    deleteRun(run.runId).catch(() => {});
    clearInterval(run.clock);
    setRunning(null);
    results.cancelled();
    return;
  }
  await runToEnd(run, 0);
}

function cancel() {
  if (!running) return;
  running.controller.abort();
  if (running.runId) {
    deleteRun(running.runId).catch((err) => results.failed("Could not cancel:", describeError(err).join(" ")));
  }
}

/** Draw a run from GET /runs/{id}; its document, or null when the server forgot it. */
async function drawSnapshot(runId) {
  await resultsView();
  let snapshot;
  try {
    snapshot = await getRun(runId);
  } catch (err) {
    if (err instanceof ServerError && err.status === 404) {
      saveRun({ runId, status: "gone" });
      history.render(loadRuns());
      return null;
    }
    throw err;
  }
  results.reset(snapshot.problem, languageLabel(snapshot.language), await limitsOf(snapshot.problem));
  results.showSnapshot(snapshot);
  return snapshot;
}

async function showPastRun(runId) {
  if (running) return;
  try {
    await resultsView();
    const snapshot = await drawSnapshot(runId);
    if (snapshot && !snapshot.summary) await reattach(runId, snapshot);
  } catch (err) {
    (await resultsView()).failed(...describeError(err));
  }
}

async function reattach(runId, snapshot) {
  const stored = loadRuns().find((r) => r.runId === runId);
  const run = { controller: new AbortController(), clock: startClock(stored?.startedAt ?? Date.now()), runId };
  setRunning(run);
  await runToEnd(run, Number(snapshot.eventCount) || 0);
}

/** After a reload: the newest run of this browser, re-attached if it still runs. */
async function resumeLatest() {
  const latest = loadRuns()[0];
  if (!latest || latest.status === "gone") return;
  try {
    const snapshot = await drawSnapshot(latest.runId);
    if (snapshot && !snapshot.summary) {
      reattach(latest.runId, snapshot); // runs on; the page is ready meanwhile
    }
  } catch (err) {
    (await resultsView()).failed(...describeError(err));
  }
}

async function init() {
  // The skip link's target is the editor's frame; the keyboard belongs in its text.
  document.querySelector(".skip-link")?.addEventListener("click", (e) => {
    e.preventDefault();
    editor.focus();
  });
  ui.validate.addEventListener("click", validate);
  ui.cancel.addEventListener("click", cancel);
  window.addEventListener("pagehide", saveEditorNow);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.defaultPrevented) {
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
  ui.statementLanguage.addEventListener("change", () => {
    saveStatementLanguage(ui.statementLanguage.value);
    showProblem(ui.problemSelect.value);
  });
  history.render(loadRuns());
  mountCustomInput(document.querySelector(".work-panel"), {
    current: () => ({ ...currentKey(), code: editor.value }),
    samples: async () => (await problemDoc(ui.problemSelect.value)).samples ?? [],
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
  // The editor first: the statement's libraries load meanwhile.
  const shown = problems.length ? showProblem(ui.problemSelect.value) : Promise.resolve();
  loadEditor();
  document.body.dataset.editor = "ready";
  await shown;
  await resumeLatest();
  document.body.dataset.ready = "true";
}

init();
