// The results panel of one run: status line (aria-live), progress n / total,
// compiler output, a row per case as it arrives (with the expected / got view
// for sample cases), time and memory against the problem's limits, and the
// summary. It only draws what it is told; the run's life cycle lives in app.js.
//
// Events arrive through handle(name, data), one method per event type, so a new
// event (a `group-result`, say) is one more entry in HANDLERS and one method;
// a case's own fields (a checker's position for the diff, say) reach
// renderComparison() whole.

import { renderComparison } from "/static/diff.js";

export const VERDICT_NAMES = {
  AC: "Accepted",
  WA: "Wrong answer",
  TLE: "Time limit exceeded",
  MLE: "Memory limit exceeded",
  OLE: "Output limit exceeded",
  RTE: "Run-time error",
  CE: "Compile error",
  IE: "Internal error",
  SKIPPED: "Skipped",
};

const STATUS_TEXT = {
  finished: "finished",
  "compile-error": "compile error",
  "timed-out": "the run's overall time limit was reached",
  cancelled: "cancelled on the server",
  "internal-error": "internal error of the judge",
};

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A verdict badge: the short code, with the full name for tooltips and screen readers. */
export function verdictBadge(verdict) {
  const badge = el("span", `badge verdict-${/^[A-Z]+$/.test(verdict) ? verdict : "unknown"}`);
  const abbr = el("abbr", "", verdict);
  abbr.title = VERDICT_NAMES[verdict] ?? verdict;
  badge.append(abbr);
  return badge;
}

/** Time in ms as a short human figure. */
export function formatMs(ms) {
  if (typeof ms !== "number" || ms < 0) return "—";
  return ms < 10000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The line that says how the program ended, unless the feedback already says it
 * (the judge's RTE feedback starts with "exit code N" or "killed by SIG…").
 */
export function exitLine(data) {
  const text = data.signal ? `signal ${data.signal}` : data.exitCode ? `exit code ${data.exitCode}` : "";
  const feedback = String(data.feedback ?? "");
  if (!text) return "";
  if (data.signal && feedback.includes(String(data.signal))) return "";
  if (!data.signal && feedback.includes(text)) return "";
  return text;
}

/** Memory in KiB as a short human figure. */
export function formatMemory(kb) {
  if (typeof kb !== "number" || kb <= 0) return "—";
  if (kb < 1024) return `${kb} KiB`;
  return `${(kb / 1024).toFixed(kb < 10240 ? 1 : 0)} MiB`;
}

/** A score as a short figure (at most two decimals, no trailing zeros). */
export function formatScore(score) {
  return typeof score === "number" ? String(Number(score.toFixed(2))) : "—";
}

/** "score / max" (or "score" when unbounded, "not scored" for a group without a score). */
export function scoreText(score, maxScore) {
  if (typeof score !== "number") return "not scored";
  return typeof maxScore === "number" ? `${formatScore(score)} / ${formatScore(maxScore)}` : formatScore(score);
}

export class ResultsView {
  /** @param {ParentNode} root the results panel */
  constructor(root) {
    const $ = (sel) => root.querySelector(sel);
    this.root = root;
    this.status = $("#run-status");
    this.elapsed = $("#run-elapsed");
    this.progress = $("#run-progress");
    this.progressLabel = $("#progress-label");
    this.errorBox = $("#run-error");
    this.compileBox = $("#compile-output");
    this.compileText = $("#compile-output pre");
    this.compileSummary = $("#compile-output summary");
    this.table = $("#case-table");
    this.rows = $("#case-rows");
    this.summary = $("#run-summary");
    this.context = $("#run-context");
    this.total = 0;
    this.judged = 0;
    this.limits = {};
    this.peak = { timeMs: 0, memoryKb: 0 };
  }

  /**
   * Clear everything for a new run.
   * @param {{timeLimit?: number|null, memoryLimit?: number|null}} [limits] the problem's
   *   (seconds and bytes, as GET /problems/{name} sends them; null: server defaults)
   */
  reset(problem, languageName, limits = {}) {
    this.total = 0;
    this.judged = 0;
    this.limits = limits;
    this.peak = { timeMs: 0, memoryKb: 0 };
    this.rows.replaceChildren();
    this.table.hidden = true;
    this.summary.replaceChildren();
    this.summary.hidden = true;
    this.errorBox.replaceChildren();
    this.errorBox.hidden = true;
    this.compileBox.hidden = true;
    this.compileBox.open = false;
    this.compileText.textContent = "";
    this.context.textContent = `${problem} · ${languageName}`;
    this._setProgress(0, 0);
    this._setPhase("starting", "Sending the code…");
  }

  /** One event of the run's stream, by its SSE event name; unknown events are ignored. */
  handle(event, data) {
    const method = HANDLERS[event];
    if (method) this[method](data);
  }

  /** A run as GET /runs/{id} describes it: everything so far, drawn as if streamed. */
  showSnapshot(doc) {
    this.start({ runId: doc.runId, totalCases: doc.totalCases });
    if (doc.compile) this.compile(doc.compile);
    for (const result of doc.cases ?? []) this.caseResult(result);
    for (const group of doc.groups ?? []) this.groupResult(group);
    if (doc.summary) {
      this.complete({ ...doc.summary, totalCases: doc.totalCases });
      this.tick(null);
    }
  }

  _limitText(value, kind) {
    const limit = this.limits?.[kind];
    if (typeof limit !== "number" || limit <= 0) return "";
    return kind === "timeLimit" ? ` / ${Number(limit.toFixed(3))} s` : ` / ${formatMemory(Math.round(limit / 1024))}`;
  }

  /** The `start` event. */
  start(data) {
    this.total = Number(data.totalCases) || 0;
    this.context.textContent += ` · run ${String(data.runId ?? "").slice(0, 8)}`;
    this._setProgress(0, this.total);
    this._setPhase("compiling", "Compiling…");
  }

  /** The `compile` event. */
  compile(data) {
    const output = String(data.output ?? "");
    if (!data.ok) {
      this.compileSummary.textContent = "Compiler output (compile error)";
      this.compileText.textContent = output || "(the compiler printed nothing)";
      this.compileBox.hidden = false;
      this.compileBox.open = true;
      this.compileBox.classList.add("failed");
      this._setPhase("compile-error", "Compile error: see the compiler output.");
      return;
    }
    this.compileBox.classList.remove("failed");
    if (output.trim()) {
      this.compileSummary.textContent = "Compiler messages";
      this.compileText.textContent = output;
      this.compileBox.hidden = false;
    }
    this.table.hidden = false;
    this._setPhase("running", this._runningText(1, `Compiled in ${data.timeMs ?? 0} ms. `));
  }

  /** A `case-result` event: one more row. */
  caseResult(data) {
    this.table.hidden = false;
    this.judged += 1;
    const verdict = String(data.verdict);
    const row = el("tr", `case verdict-row-${verdict}`);
    row.dataset.index = String(data.index);
    row.dataset.verdict = verdict;
    row.dataset.name = String(data.name ?? "");
    const nameCell = el("td", "case-name");
    nameCell.append(el("span", "", String(data.name ?? "")));
    if (typeof data.score === "number") nameCell.append(el("span", "case-score", `score ${formatScore(data.score)}`));
    if (data.feedback) nameCell.append(el("span", "feedback", String(data.feedback)));
    const exitInfo = exitLine(data);
    if (exitInfo) nameCell.append(el("span", "feedback", exitInfo));
    const verdictCell = el("td", "case-verdict");
    verdictCell.append(verdictBadge(verdict));
    const skipped = verdict === "SKIPPED";
    const timeCell = el("td", "num");
    timeCell.append(el("span", "used", skipped ? "—" : formatMs(data.timeMs ?? 0)));
    if (!skipped) timeCell.append(el("span", "limit", this._limitText(data.timeMs, "timeLimit")));
    if (data.wallTimeMs !== undefined) timeCell.title = `CPU ${data.timeMs} ms, wall ${data.wallTimeMs} ms`;
    const memoryCell = el("td", "num");
    memoryCell.append(el("span", "used", skipped ? "—" : formatMemory(data.memoryKb)));
    if (!skipped) memoryCell.append(el("span", "limit", this._limitText(data.memoryKb, "memoryLimit")));
    if (!skipped) {
      this.peak.timeMs = Math.max(this.peak.timeMs, Number(data.timeMs) || 0);
      this.peak.memoryKb = Math.max(this.peak.memoryKb, Number(data.memoryKb) || 0);
    }
    row.append(el("td", "num", String(data.index)), nameCell, verdictCell, timeCell, memoryCell);
    const detailCell = el("td", "case-details");
    row.append(detailCell);
    this.rows.append(row);
    if (data.answer !== undefined || data.output !== undefined) this._addComparison(row, detailCell, data, verdict);
    this._setProgress(this.judged, this.total);
    const verdictName = VERDICT_NAMES[verdict] ?? verdict;
    const head = `Case ${data.index} of ${this.total} (${data.name}): ${verdictName}.`;
    this._setPhase("running", this.judged < this.total ? this._runningText(this.judged + 1, head + " ") : head);
  }

  /**
   * A `group-result` event (scoring problems): a row after the group's last case, with
   * the group's verdict and score out of its maximum.
   */
  groupResult(data) {
    const name = String(data.name ?? "");
    const verdict = String(data.verdict);
    const row = el("tr", `group verdict-row-${verdict}`);
    row.dataset.group = name;
    row.dataset.verdict = verdict;
    const nameCell = el("td", "group-name");
    nameCell.colSpan = 2;
    nameCell.append(el("span", "group-label", `Group ${name}`));
    const verdictCell = el("td", "case-verdict");
    verdictCell.append(verdictBadge(verdict));
    const scoreCell = el("td", "group-score");
    scoreCell.colSpan = 3;
    scoreCell.textContent = scoreText(data.score, data.maxScore);
    row.append(nameCell, verdictCell, scoreCell);
    // After the last row of the group: its cases, their diffs and its subgroups' rows.
    const inGroup = (tr) => {
      const owner = tr.dataset.name ?? tr.dataset.group ?? tr.dataset.caseOf;
      return owner !== undefined && (owner === name || owner.startsWith(`${name}/`));
    };
    const last = [...this.rows.children].filter(inGroup).at(-1);
    if (last) last.after(row);
    else this.rows.append(row);
    this.table.hidden = false;
  }

  _addComparison(row, detailCell, data, verdict) {
    const detailRow = el("tr", "case-detail");
    detailRow.dataset.caseOf = String(data.name ?? "");
    const cell = el("td");
    cell.colSpan = 6;
    cell.append(renderComparison(data));
    detailRow.append(cell);
    const id = `case-detail-${data.index}`;
    detailRow.id = id;
    const toggle = el("button", "link-button");
    toggle.type = "button";
    toggle.setAttribute("aria-controls", id);
    const open = verdict !== "AC";
    const setOpen = (value) => {
      detailRow.hidden = !value;
      toggle.setAttribute("aria-expanded", String(value));
      toggle.textContent = value ? "Hide diff" : "Show diff";
      toggle.setAttribute("aria-label", `${value ? "Hide" : "Show"} diff of case ${data.index}`);
    };
    toggle.addEventListener("click", () => setOpen(detailRow.hidden));
    setOpen(open);
    detailCell.append(toggle);
    row.after(detailRow);
  }

  /** The `complete` event: the summary line. */
  complete(data) {
    const verdict = String(data.verdict);
    this.summary.replaceChildren();
    this.summary.className = `summary summary-${verdict}`;
    const counts = `${data.passed} passed, ${data.failed} failed, ${data.skipped} skipped of ${data.totalCases} cases`;
    const status = STATUS_TEXT[data.status] ?? String(data.status);
    const text =
      data.status === "compile-error"
        ? `${VERDICT_NAMES[verdict] ?? verdict}: no case was run (${data.totalCases} in the dataset).`
        : `${VERDICT_NAMES[verdict] ?? verdict}: ${counts} (${status}).`;
    this.summary.append(verdictBadge(verdict), el("span", "summary-text", text));
    if (typeof data.score === "number") {
      this.summary.append(el("span", "summary-score", `Score: ${scoreText(data.score, data.maxScore)}`));
    }
    if (this.judged > 0) {
      const peak =
        `Peak: ${formatMs(this.peak.timeMs)}${this._limitText(0, "timeLimit")} CPU time, ` +
        `${formatMemory(this.peak.memoryKb)}${this._limitText(0, "memoryLimit")} memory.`;
      this.summary.append(el("span", "summary-peak", peak));
    }
    this.summary.hidden = false;
    const phase = data.status === "cancelled" ? "cancelled" : "done";
    const said = typeof data.score === "number" ? `${text} Score ${scoreText(data.score, data.maxScore)}.` : text;
    this._setPhase(phase, data.status === "cancelled" ? `Cancelled on the server. ${said}` : `Done. ${said}`);
  }

  /** The user pressed Cancel. */
  cancelled() {
    if (this.judged === 0) this.table.hidden = true;
    this._setPhase("cancelled", "Cancelled by user");
  }

  /** A network or server error; `title` says which. */
  failed(title, message) {
    this.errorBox.replaceChildren(el("strong", "", title), el("span", "", ` ${message}`));
    this.errorBox.hidden = false;
    this._setPhase("error", `${title} ${message}`);
  }

  /** Seconds since the run began (not announced: it would be noise). */
  tick(seconds) {
    this.elapsed.textContent = seconds === null ? "" : `${seconds} s`;
  }

  _runningText(next, prefix) {
    return `${prefix}Running case ${next} of ${this.total}…`;
  }

  _setProgress(value, max) {
    this.progress.max = Math.max(max, 1);
    this.progress.value = value;
    this.progressLabel.textContent = `${value} / ${max}`;
  }

  _setPhase(phase, text) {
    this.root.dataset.phase = phase;
    this.status.textContent = text;
  }
}

/** SSE event name → ResultsView method. */
const HANDLERS = {
  start: "start",
  compile: "compile",
  "case-result": "caseResult",
  "group-result": "groupResult",
  complete: "complete",
};
