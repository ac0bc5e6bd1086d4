// "Run on custom input": run the editor's code on an input the person types, judged
// against the problem's reference solution (docs/api.md, Custom input).
//
// The panel is built here, under a container the page gives it, so the rest of the
// page only mounts it. Runs are started with POST /runs and followed on
// GET /runs/{id}/events; Cancel aborts the stream and sends DELETE /runs/{id},
// which kills the run's boxes (the submission's and the reference's).

import { createRun, deleteRun, streamRunEvents } from "/static/api.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function pre(title, text) {
  const box = el("div", "pane");
  box.append(el("h4", "", title), el("pre", "io", text));
  return box;
}

/**
 * Mount the panel in `container`.
 * @param {HTMLElement} container
 * @param {{current: () => {problem: string, language: string, code: string},
 *          samples: () => Promise<{name: string, input: string}[]>}} source
 */
export function mountCustomInput(container, source) {
  const details = el("details", "custom-input");
  details.id = "custom-input";
  const summary = el("summary", "", "Run on custom input");
  const label = el("label", "", "Input");
  label.htmlFor = "custom-input-text";
  const text = el("textarea", "custom-input-text");
  text.id = "custom-input-text";
  text.rows = 5;
  text.spellcheck = false;
  const samples = el("div", "custom-input-samples");
  const run = el("button", "button", "Run on this input");
  run.id = "custom-run-button";
  run.type = "button";
  const cancel = el("button", "button danger", "Cancel");
  cancel.id = "custom-cancel-button";
  cancel.type = "button";
  cancel.disabled = true;
  const status = el("p", "run-status", "");
  status.id = "custom-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const output = el("div", "custom-output");
  output.id = "custom-output";
  const actions = el("div", "actions");
  actions.append(run, cancel);
  details.append(summary, label, text, samples, actions, status, output);
  container.append(details);

  let active = null; // {controller, runId}

  details.addEventListener("toggle", async () => {
    if (!details.open) return;
    samples.replaceChildren();
    for (const sample of await source.samples().catch(() => [])) {
      const use = el("button", "button small", `Use ${sample.name}`);
      use.type = "button";
      use.addEventListener("click", () => { text.value = sample.input; });
      samples.append(use);
    }
  });

  // The diff view loads with the first run (it is not part of the page's first load).
  let diff = null;

  function show(result) {
    const verdict = result.verdict === "RAN" ? "ran, no verdict" : result.verdict;
    status.textContent = `${verdict} · ${result.timeMs} ms · ${(result.memoryKb / 1024).toFixed(1)} MiB`;
    status.dataset.verdict = result.verdict;
    output.replaceChildren();
    if (result.inputRejected) output.append(el("p", "run-error", result.inputRejected));
    else if (result.feedback) output.append(el("p", "muted", result.feedback));
    if (result.reference) {
      output.append(el("p", "muted", `Judged against ${result.reference}.`));
      // The whole result: the checker's own position (`difference`) is marked, and an
      // accepted output that differs only where the checker does not look is not.
      output.append(diff.renderComparison(result));
    } else if (result.output !== undefined) {
      output.append(pre(result.outputTruncated ? "Output (cut)" : "Output", result.output));
    }
    if (result.stderr) output.append(pre("stderr", result.stderr));
  }

  function finish(message) {
    if (message) status.textContent = message;
    active = null;
    run.disabled = false;
    cancel.disabled = true;
  }

  run.addEventListener("click", async () => {
    if (active) return;
    const { problem, language, code } = source.current();
    active = { controller: new AbortController(), runId: null };
    const mine = active;
    run.disabled = true;
    cancel.disabled = false;
    output.replaceChildren();
    status.textContent = "Running…";
    delete status.dataset.verdict;
    const body = { problem, language, code, cases: [{ name: "custom", input: text.value }] };
    try {
      diff ??= await import("/static/diff.js");
      mine.runId = (await createRun(body)).runId;
      if (mine.controller.signal.aborted) {
        await deleteRun(mine.runId).catch(() => {});
        finish("Cancelled.");
        return;
      }
      await streamRunEvents(mine.runId, {
        signal: mine.controller.signal,
        onMessage: (m) => {
          if (m.event === "case-result") show(JSON.parse(m.data));
          if (m.event === "compile" && !JSON.parse(m.data).ok) {
            output.replaceChildren(pre("Compiler output", JSON.parse(m.data).output));
            status.textContent = "Compile error";
          }
          if (m.event === "complete" && JSON.parse(m.data).status === "cancelled") {
            status.textContent = "Cancelled.";
          }
        },
      });
      finish();
    } catch (err) {
      finish(err && err.name === "AbortError" ? "Cancelled." : `Failed: ${err?.message ?? err}`);
    }
  });

  cancel.addEventListener("click", () => {
    if (!active) return;
    active.controller.abort();
    if (active.runId) deleteRun(active.runId).catch(() => {});
  });
}
