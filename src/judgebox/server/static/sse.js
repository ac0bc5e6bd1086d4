// Server-sent events parser, pure (no DOM, no network): bytes or text in, messages out.
//
// Follows the WHATWG "event stream interpretation" rules so that a stream cut
// at any byte gives the same messages as the whole stream:
//   - lines end with "\r\n", "\n" or "\r" (a "\r" at the end of one chunk and
//     a "\n" at the start of the next are one line end, not two);
//   - a UTF-8 character split across chunks is decoded once it is complete;
//   - a leading byte-order mark is dropped;
//   - "data:" lines of one event are joined with "\n";
//   - ": ping" style comments are reported separately, never as events;
//   - "id:" sets the last event id (ignored when it contains NUL), "retry:" the
//     reconnection time (digits only), "event:" the type (default "message");
//   - an event is dispatched on a blank line; one left unterminated at the end
//     of the stream is discarded.

/**
 * @typedef {{kind: "event", event: string, data: string, id: string}} SSEEvent
 * @typedef {{kind: "comment", text: string}} SSEComment
 * @typedef {SSEEvent | SSEComment} SSEMessage
 */

export class SSEParser {
  constructor() {
    this._decoder = new TextDecoder("utf-8");
    this._buffer = "";
    this._atStart = true;
    this._skipLeadingLF = false;
    this._data = [];
    this._hasData = false;
    this._eventType = "";
    /** The id of the last event seen (what a reconnect would send as Last-Event-ID). */
    this.lastEventId = "";
    /** Reconnection time in ms from the last valid "retry:" field, or null. */
    this.retry = null;
  }

  /**
   * Feed one chunk (Uint8Array of UTF-8 bytes, or an already decoded string).
   * @param {Uint8Array | string} chunk
   * @returns {SSEMessage[]} the messages completed by this chunk
   */
  push(chunk) {
    const text = typeof chunk === "string" ? chunk : this._decoder.decode(chunk, { stream: true });
    return this._consume(text);
  }

  /**
   * Signal the end of the stream: flush the decoder; an unterminated event is dropped.
   * @returns {SSEMessage[]}
   */
  end() {
    const messages = this._consume(this._decoder.decode());
    this._buffer = "";
    this._resetEvent();
    return messages;
  }

  _consume(text) {
    if (this._atStart && text.length > 0) {
      this._atStart = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this._skipLeadingLF && text.length > 0) {
      this._skipLeadingLF = false;
      if (text[0] === "\n") text = text.slice(1);
    }
    this._buffer += text;
    const messages = [];
    let start = 0;
    const buf = this._buffer;
    for (let i = 0; i < buf.length; i++) {
      const ch = buf[i];
      if (ch !== "\n" && ch !== "\r") continue;
      this._line(buf.slice(start, i), messages);
      if (ch === "\r") {
        if (i + 1 < buf.length) {
          if (buf[i + 1] === "\n") i++;
        } else {
          // The "\n" of a "\r\n" may be the first byte of the next chunk.
          this._skipLeadingLF = true;
        }
      }
      start = i + 1;
    }
    this._buffer = buf.slice(start);
    return messages;
  }

  _line(line, messages) {
    if (line === "") {
      this._dispatch(messages);
      return;
    }
    if (line[0] === ":") {
      messages.push({ kind: "comment", text: line.slice(1).replace(/^ /, "") });
      return;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value[0] === " ") value = value.slice(1);
    switch (field) {
      case "data":
        this._data.push(value);
        this._hasData = true;
        break;
      case "event":
        this._eventType = value;
        break;
      case "id":
        if (!value.includes("\0")) this.lastEventId = value;
        break;
      case "retry":
        if (/^[0-9]+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break; // unknown fields are ignored, as the spec says
    }
  }

  _dispatch(messages) {
    if (this._hasData) {
      messages.push({
        kind: "event",
        event: this._eventType || "message",
        data: this._data.join("\n"),
        id: this.lastEventId,
      });
    }
    this._resetEvent();
  }

  _resetEvent() {
    this._data = [];
    this._hasData = false;
    this._eventType = "";
  }
}

/**
 * Parse a whole event stream at once (handy for tests and small payloads).
 * @param {Uint8Array | string} whole
 * @returns {SSEMessage[]}
 */
export function parseEventStream(whole) {
  const parser = new SSEParser();
  return [...parser.push(whole), ...parser.end()];
}
