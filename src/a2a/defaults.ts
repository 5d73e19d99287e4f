/** Defaults for the A2A layer, in one place. */

/** How long a resolved A2A card is reused before it is fetched again. */
export const DEFAULT_CARD_TTL_MS = 5 * 60_000;
/** The largest response body (or, for streams, the largest single event) the client accepts. */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** The most bytes a whole streamed reply may total (every event included). */
export const DEFAULT_MAX_REPLY_BYTES = 4 * 1024 * 1024;
/** How many resolved A2A cards the client keeps (least recently used evicted). */
export const DEFAULT_CARD_CACHE_SIZE = 1_000;
/** The time allowed for one call (for a stream: the whole stream) when the caller sets none. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Keep-alive connections the client opens per origin. */
export const DEFAULT_CONNECTIONS_PER_ORIGIN = 64;
/** How long an idle keep-alive connection is kept open. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 10_000;
/** The largest A2A card the client reads (a card is metadata, not a payload). */
export const MAX_CARD_BYTES = 256 * 1024;
/** What the client keeps of a card's lists (skills; interfaces; extensions); the rest is dropped. */
export const CARD_LIST_LIMITS = { skills: 100, interfaces: 32, extensions: 32 } as const;
/** The most card bytes (as read) the client's cache holds in all, whatever the count. */
export const DEFAULT_CARD_CACHE_BYTES = 64 * 1024 * 1024;
/** The most of an error response body the client reads to explain a failure. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** The A2A protocol version OmniForge speaks. */
export const A2A_PROTOCOL_VERSION = "1.0";
/** The path of the A2A card under an agent's base URL. */
export const AGENT_CARD_PATH = "/.well-known/agent-card.json";
/** Where some v0.3 agents still serve their card (tried when the first path answers 404). */
export const LEGACY_AGENT_CARD_PATH = "/.well-known/agent.json";
/** How often a stream that broke is polled with GetTask (first wait; doubled up to 1 s). */
export const DEFAULT_RESUME_POLL_MS = 100;
/** The path of the JSON-RPC interface on agents built with serveAgent. */
export const JSONRPC_PATH = "/a2a/jsonrpc";
/** The base path of the HTTP+JSON (REST) interface on agents built with serveAgent. */
export const REST_PATH = "/a2a/rest";
/** Request bodies larger than this are refused by serveAgent (HTTP 413). */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** How long serveAgent's close() waits for open responses to end before destroying them. */
export const DEFAULT_CLOSE_GRACE_MS = 2_000;
