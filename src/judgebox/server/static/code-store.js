// What the page remembers in localStorage: the code per (problem, language)
// and the last problem / language chosen. Storage can be full or forbidden
// (private windows, policies): then the page simply forgets, it never breaks.

const PREFIX = "judgebox:";

function read(key) {
  try {
    return window.localStorage.getItem(PREFIX + key);
  } catch {
    return null;
  }
}

function write(key, value) {
  try {
    window.localStorage.setItem(PREFIX + key, value);
  } catch {
    // Quota exceeded or storage disabled: nothing to do but go on.
  }
}

/** The code saved for this problem and language, or null. */
export function loadCode(problem, language) {
  return read(`code:${problem}:${language}`);
}

/** Remember the code for this problem and language. */
export function saveCode(problem, language, code) {
  write(`code:${problem}:${language}`, code);
}

/** Forget the code for this problem and language. */
export function forgetCode(problem, language) {
  try {
    window.localStorage.removeItem(`${PREFIX}code:${problem}:${language}`);
  } catch {
    // see write()
  }
}

/** @returns {{problem: string|null, language: string|null}} the last choices */
export function loadLastChoice() {
  return { problem: read("last-problem"), language: read("last-language") };
}

/** Remember the chosen problem and language for the next visit. */
export function saveLastChoice(problem, language) {
  if (problem) write("last-problem", problem);
  if (language) write("last-language", language);
}

const RUNS_KEPT = 20;

/**
 * The runs started from this browser, newest first.
 * @returns {Array<{runId: string, problem: string, language: string, startedAt: number, verdict?: string}>}
 */
export function loadRuns() {
  try {
    const list = JSON.parse(read("runs") ?? "[]");
    return Array.isArray(list) ? list.filter((r) => r && typeof r.runId === "string") : [];
  } catch {
    return [];
  }
}

/** Remember a run (or update the one with the same id); only the newest few are kept. */
export function saveRun(run) {
  const others = loadRuns().filter((r) => r.runId !== run.runId);
  const old = loadRuns().find((r) => r.runId === run.runId) ?? {};
  write("runs", JSON.stringify([{ ...old, ...run }, ...others].slice(0, RUNS_KEPT)));
}

/** The statement language last picked (e.g. "sv"), or null. */
export function loadStatementLanguage() {
  return read("statement-language");
}

/** Remember the statement language picked. */
export function saveStatementLanguage(language) {
  write("statement-language", language);
}
