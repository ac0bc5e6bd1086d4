// The page's only door to the server: the endpoints of docs/api.md, nothing else.

import { SSEParser } from "/static/sse.js";

/** A JSON error answered by the server: {"error": {"code", "message"}}. */
export class ServerError extends Error {
  /**
   * @param {number} status HTTP status
   * @param {string} code machine-readable code from the body (or "http-<status>")
   * @param {string} message what a person can do about it
   */
  constructor(status, code, message) {
    super(message);
    this.name = "ServerError";
    this.status = status;
    this.code = code;
  }
}

/** The server could not be reached, or the connection broke mid-stream. */
export class NetworkError extends Error {
  constructor(message) {
    super(message);
    this.name = "NetworkError";
  }
}

async function errorFromResponse(response) {
  let code = `http-${response.status}`;
  let message = response.statusText || "Request failed";
  try {
    const body = await response.json();
    if (body && typeof body.error === "object" && body.error !== null) {
      code = String(body.error.code ?? code);
      message = String(body.error.message ?? message);
    }
  } catch {
    // Not JSON (a proxy's HTML page, say): keep the status line.
  }
  const retryAfter = response.headers.get("Retry-After");
  if (retryAfter) message += ` (retry after ${retryAfter} s)`;
  return new ServerError(response.status, code, message);
}

async function send(url, init) {
  try {
    return await fetch(url, init);
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new NetworkError(`Could not reach the server at ${location.origin}: ${err.message}`);
  }
}

/**
 * GET a JSON document; throws ServerError or NetworkError.
 * @param {string} path
 */
export async function getJSON(path) {
  const response = await send(path, { headers: { Accept: "application/json" } });
  if (!response.ok) throw await errorFromResponse(response);
  return response.json();
}

/** @returns {Promise<Array<{id: string, name: string, version: string, compiled: boolean}>>} */
export const listLanguages = () => getJSON("/languages");

/** @returns {Promise<Array<{name: string, title: string, totalCases: number, sampleCases: number}>>} */
export const listProblems = () => getJSON("/problems");

/** @param {string} name */
/** GET /problems/{name}, its statement in `statementLanguage` where it has one. */
export const getProblem = (name, statementLanguage) =>
  getJSON(`/problems/${encodeURIComponent(name)}` +
    (statementLanguage ? `?statementLanguage=${encodeURIComponent(statementLanguage)}` : ""));

/**
 * POST /runs: start a run that outlives this page's connection (a reload can re-attach), but
 * not the page: it asks the server to cancel the run once no client follows it.
 * @param {{problem: string, language: string, code: string, stopOnFirstFailure?: boolean}} body
 * @returns {Promise<{runId: string, eventsUrl: string}>}
 */
export async function createRun(body, { signal } = {}) {
  const response = await send("/runs", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    // A closed tab must not leave the run going: the server cancels it once nobody has
    // followed its events for its grace (a reload re-attaches well within it).
    body: JSON.stringify({ ...body, cancelWhenUnwatched: true }),
    signal,
  });
  if (!response.ok) throw await errorFromResponse(response);
  return response.json();
}

/** GET /runs/{id}: the run's status and its results so far. */
export const getRun = (runId) => getJSON(`/runs/${encodeURIComponent(runId)}`);

/**
 * DELETE /runs/{id}: cancel the run; resolves once the server has stopped it.
 * A run the server no longer knows (404) counts as stopped.
 */
export async function deleteRun(runId) {
  const response = await send(`/runs/${encodeURIComponent(runId)}`, { method: "DELETE" });
  if (!response.ok && response.status !== 404) throw await errorFromResponse(response);
}

/**
 * Stream GET /runs/{id}/events from after `lastEventId` (the whole run when 0),
 * handing every SSE message to onMessage; resolves with the id of the last event
 * received when the stream ends, rejects like validateDataset.
 */
export async function streamRunEvents(runId, { signal, onMessage, lastEventId = 0 }) {
  const headers = { Accept: "text/event-stream" };
  if (lastEventId) headers["Last-Event-ID"] = String(lastEventId);
  const response = await send(`/runs/${encodeURIComponent(runId)}/events`, {
    headers, signal, cache: "no-store",
  });
  return readStream(response, signal, onMessage);
}

/**
 * POST /validate-dataset in streaming mode and hand every SSE message to onMessage.
 *
 * Resolves when the stream ends. Rejects with the AbortError of `signal` when
 * the user cancels (the body reader is cancelled first, so the connection is
 * closed and the server kills the run), ServerError on a 4xx/5xx answer and
 * NetworkError when the connection fails.
 *
 * @param {{problem: string, language: string, code: string, stopOnFirstFailure?: boolean}} body
 * @param {{signal: AbortSignal, onMessage: (m: import("./sse.js").SSEMessage) => void}} options
 */
export async function validateDataset(body, { signal, onMessage }) {
  const response = await send("/validate-dataset", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify(body),
    signal,
    cache: "no-store",
  });
  await readStream(response, signal, onMessage);
}

async function readStream(response, signal, onMessage) {
  if (!response.ok) throw await errorFromResponse(response);
  const type = response.headers.get("Content-Type") || "";
  if (!type.startsWith("text/event-stream")) {
    throw new ServerError(response.status, "not-a-stream", `Expected an event stream, got ${type || "no content type"}`);
  }
  const reader = response.body.getReader();
  const parser = new SSEParser();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await readChunk(reader, signal);
      if (done) break;
      for (const message of parser.push(value)) onMessage(message);
    }
    for (const message of parser.end()) onMessage(message);
    finished = true;
  } finally {
    if (!finished) {
      // Close the socket (so the server cancels the run) even if read() did not fail.
      await reader.cancel().catch(() => {});
    }
    reader.releaseLock();
  }
  return Number(parser.lastEventId) || 0;
}

async function readChunk(reader, signal) {
  try {
    return await reader.read();
  } catch (err) {
    if (signal.aborted) throw signal.reason ?? new DOMException("Aborted", "AbortError");
    if (err && err.name === "AbortError") throw err;
    throw new NetworkError(`The connection to the server broke during the run: ${err.message}`);
  }
}
