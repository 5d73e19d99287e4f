// @ts-check
/**
 * The signed-in session: everything the console knows about the current user lives here, in one
 * object, and nowhere else. Signing out aborts its requests and drops it; the views then reset to
 * their empty state, so nothing of one user can show for the next.
 */
import { createApi } from "./api.js";

/** @typedef {import("./types.js").Me} Me */
/** @typedef {import("./types.js").Agent} Agent */
/** @typedef {import("./types.js").Holder} Holder */
/** @typedef {import("./types.js").Thread} Thread */

/**
 * @typedef {object} Session
 * @property {import("./api.js").Api} api
 * @property {AbortController} abort Fires on sign-out: in-flight requests and streams stop.
 * @property {Me} me
 * @property {Agent[]} agents
 * @property {Thread[]} threads
 * @property {string | null} threadId The selected thread.
 * @property {Thread | null} thread The selected thread's record.
 * @property {Holder | null} holder Who holds the selected thread.
 * @property {boolean} busy A reply is streaming.
 * @property {string | null} asking The agent waiting for the user's answer, if any.
 */

export const KEY_STORAGE = "omniforge.apiKey";

/** @type {Session | null} */
let current = null;

/** The session, or null when signed out. */
export function session() {
  return current;
}

/**
 * The session, which must exist (an action ran while signed in).
 * @returns {Session}
 */
export function requireSession() {
  if (!current) throw new Error("Not signed in");
  return current;
}

/**
 * True while `candidate` is still the signed-in session (an awaited result may arrive after a sign-out).
 * @param {Session} candidate
 */
export function isCurrent(candidate) {
  return candidate === current && !candidate.abort.signal.aborted;
}

/**
 * Signs in with `key`: reads who it is and the tenant's agents. Throws (ApiError) when refused.
 * @param {string} key
 * @param {(message: string) => void} onUnauthorized
 * @returns {Promise<Session>}
 */
export async function signIn(key, onUnauthorized) {
  endSession();
  const abort = new AbortController();
  const api = createApi({ key, signal: abort.signal, onUnauthorized });
  /** @type {Me} */
  const me = await api.get("/v1/me");
  /** @type {{ agents: Agent[] }} */
  const { agents } = await api.get("/v1/agents?limit=200");
  current = {
    api,
    abort,
    me,
    agents,
    threads: [],
    threadId: null,
    thread: null,
    holder: null,
    busy: false,
    asking: null,
  };
  return current;
}

/** Ends the session: its requests stop and every trace of it in this browser is removed. */
export function endSession() {
  current?.abort.abort();
  current = null;
  localStorage.clear();
  sessionStorage.clear();
}

/**
 * True when the signed-in role may call `operation` (GET /v1/me lists them).
 * @param {Session | null} s
 * @param {string} operation
 */
export function may(s, operation) {
  return !!s && s.me.operations.includes(operation);
}

/**
 * True when `error` is the abort of a session that ended (not worth showing).
 * @param {unknown} error
 */
export function isAbort(error) {
  return error instanceof DOMException && error.name === "AbortError";
}
