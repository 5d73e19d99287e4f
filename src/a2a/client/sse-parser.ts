/**
 * An incremental Server-Sent Events parser (the subset A2A uses: `event:` and `data:` fields,
 * comments, blank-line dispatch). Memory is bounded: a single event or unterminated line longer
 * than `maxEventChars` throws {@link SseEventTooLargeError}.
 */

export interface SseEvent {
  /** The `event:` field; "message" when absent. */
  type: string;
  data: string;
}

export class SseEventTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`SSE event exceeds ${limit} characters`);
    this.name = "SseEventTooLargeError";
  }
}

export class SseParser {
  #buffer = "";
  #type = "message";
  #data: string[] = [];
  #dataLength = 0;

  constructor(readonly maxEventChars: number) {}

  /** Feeds decoded text; returns the events completed by it. */
  push(chunk: string): SseEvent[] {
    const events: SseEvent[] = [];
    let buffer = this.#buffer === "" ? chunk : this.#buffer + chunk;
    let start = 0;
    for (;;) {
      const newline = buffer.indexOf("\n", start);
      if (newline < 0) break;
      let end = newline;
      if (end > start && buffer.charCodeAt(end - 1) === 13) end -= 1;
      this.#line(buffer.slice(start, end), events);
      start = newline + 1;
    }
    buffer = start === 0 ? buffer : buffer.slice(start);
    if (buffer.length > this.maxEventChars) throw new SseEventTooLargeError(this.maxEventChars);
    this.#buffer = buffer;
    return events;
  }

  /** Flushes at end of stream: a trailing event without its blank line is still dispatched. */
  end(): SseEvent | undefined {
    if (this.#buffer !== "") {
      this.#line(this.#buffer, []);
      this.#buffer = "";
    }
    return this.#dispatch();
  }

  #line(line: string, events: SseEvent[]): void {
    if (line === "") {
      const event = this.#dispatch();
      if (event) events.push(event);
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ":" comment / keep-alive
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === "data") {
      this.#dataLength += value.length + 1;
      if (this.#dataLength > this.maxEventChars) throw new SseEventTooLargeError(this.maxEventChars);
      this.#data.push(value);
    } else if (field === "event") {
      this.#type = value;
    }
  }

  #dispatch(): SseEvent | undefined {
    const type = this.#type;
    this.#type = "message";
    if (this.#data.length === 0) return undefined;
    const data = this.#data.length === 1 ? (this.#data[0] as string) : this.#data.join("\n");
    this.#data = [];
    this.#dataLength = 0;
    return { type, data };
  }
}
