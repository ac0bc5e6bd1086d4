// The list of runs started from this browser (kept in localStorage by
// code-store.js): problem, language, verdict, when; each can be shown again.

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class HistoryView {
  /**
   * @param {HTMLElement} root the history section (holds an <ol>)
   * @param {{onShow: (run: {runId: string}) => void}} options
   */
  constructor(root, { onShow }) {
    this.root = root;
    this.list = root.querySelector("ol");
    this.onShow = onShow;
  }

  /** Draw the list, newest first. */
  render(runs) {
    this.root.hidden = runs.length === 0;
    this.list.replaceChildren(
      ...runs.map((run) => {
        const item = el("li", "history-item");
        item.dataset.runId = run.runId;
        const when = run.startedAt ? new Date(run.startedAt).toLocaleTimeString() : "";
        const verdict = run.status === "gone" ? "no longer on the server" : run.verdict ?? "running or unknown";
        item.append(el("span", "history-text", `${run.problem ?? "?"} · ${run.language ?? "?"} · ${verdict}`));
        if (when) item.append(el("span", "muted", ` ${when}`));
        if (run.status !== "gone") {
          const button = el("button", "link-button", "Show");
          button.type = "button";
          button.setAttribute("aria-label", `Show the run of ${run.problem} in ${run.language} at ${when}`);
          button.addEventListener("click", () => this.onShow(run));
          item.append(button);
        }
        return item;
      }),
    );
  }
}
