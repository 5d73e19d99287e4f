/** Every gateway default in one place. */

/** Largest accepted request body. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;
/** How long a client may take to send a whole request. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Requests per API key per window (counted in the database, so shared by every replica). */
export const DEFAULT_RATE_LIMIT = Object.freeze({ max: 120, timeWindowMs: 60_000 });
/** Failed authentications one client address may make per window before it gets 429. */
export const DEFAULT_AUTH_FAILURE_LIMIT = Object.freeze({ max: 20, timeWindowMs: 60_000 });
/** Page size when a list request names none. */
export const DEFAULT_PAGE_LIMIT = 50;
/** Largest page a list request may ask for. */
export const MAX_PAGE_LIMIT = 200;
/** Delegation records returned when the request names no limit. */
export const DEFAULT_DELEGATION_RECORDS = 100;
/** An idle SSE stream gets a comment frame this often, so proxies keep it open. */
export const SSE_HEARTBEAT_MS = 15_000;
/** How long the readiness probe waits for the database. */
export const READINESS_TIMEOUT_MS = 2_000;
/** The agent id a handoff comes from when the request names none. */
export const DEFAULT_HANDOFF_SOURCE_AGENT_ID = "orchestrator";
/** The reason recorded when a handoff is cancelled without one. */
export const DEFAULT_CANCEL_REASON = "Cancelled through the gateway";
/** Turns a timeline request returns when it names no limit, and the most it may ask for. */
export const DEFAULT_TIMELINE_TURNS = 20;
export const MAX_TIMELINE_TURNS = 100;
/** How long an agent health check waits for the agent's card. */
export const AGENT_HEALTH_TIMEOUT_MS = 5_000;
