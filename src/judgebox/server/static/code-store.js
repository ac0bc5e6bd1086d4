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
