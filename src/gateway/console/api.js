// @ts-check
/**
 * The gateway's API as the signed-in key sees it. Every request carries the session's abort
 * signal, so signing out cancels whatever the previous user still had in flight.
 */

/** @typedef {import("./types.js").RouterFrame} RouterFrame */

/** An HTTP error with the gateway's `{ error: { code, message } }` body. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {string} [field] The request field at fault (validation errors).
   */
  constructor(status, code, message, field) {
    super(`${code}: ${message}`);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/**
 * @typedef {object} Api
 * @property {<T>(path: string) => Promise<T>} get
 * @property {<T>(method: "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown) => Promise<T>} send
 * @property {(path: string, body: unknown, onFrame: (frame: RouterFrame) => void) => Promise<void>} stream
 */

/**
 * @param {{ key: string, signal: AbortSignal, onUnauthorized: (message: string) => void }} options
 * @returns {Api}
 */
export function createApi({ key, signal, onUnauthorized }) {
  /** @param {Record<string, string>} extra */
  const headers = (extra) => ({ authorization: `Bearer ${key}`, ...extra });

  /** @param {Response} res */
  async function fail(res) {
    /** @type {{ error?: { code?: string, message?: string, field?: string } } | null} */
    const data = await res.json().catch(() => null);
    const code = data?.error?.code ?? `HTTP_${res.status}`;
    const message = data?.error?.message ?? res.statusText;
    if (res.status === 401) onUnauthorized(message);
    return new ApiError(res.status, code, message, data?.error?.field);
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   */
  async function request(method, path, body) {
    const res = await fetch(path, {
      method,
      signal,
      headers: headers(body === undefined ? {} : { "content-type": "application/json" }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw await fail(res);
    return res.status === 204 ? null : res.json();
  }

  return {
    get: (path) => request("GET", path),
    send: (method, path, body) => request(method, path, body),
    async stream(path, body, onFrame) {
      const res = await fetch(path, {
        method: "POST",
        signal,
        headers: headers({ "content-type": "application/json", accept: "text/event-stream" }),
        body: JSON.stringify(body),
      });
      if (!res.ok) throw await fail(res);
      if (!res.body) throw new ApiError(res.status, "NO_BODY", "The stream had no body");
      // EventSource cannot send an Authorization header: read the SSE frames from fetch.
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer = parseFrames(buffer + value, onFrame);
      }
    },
  };
}

/**
 * Hands every complete SSE frame in `buffer` to `onFrame`; returns the incomplete rest.
 * Comment frames (heartbeats) carry no data and are skipped.
 * @param {string} buffer
 * @param {(frame: RouterFrame) => void} onFrame
 */
export function parseFrames(buffer, onFrame) {
  let index;
  while ((index = buffer.indexOf("\n\n")) !== -1) {
    const frame = buffer.slice(0, index);
    buffer = buffer.slice(index + 2);
    let type = "message";
    /** @type {string[]} */
    const data = [];
    for (const line of frame.split("\n")) {
      if (line.startsWith("event:")) type = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    if (data.length > 0) onFrame({ type, data: JSON.parse(data.join("\n")) });
  }
  return buffer;
}
