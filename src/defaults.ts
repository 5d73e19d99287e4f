/**
 * The library's defaults for orchestration, handoffs and routing. The A2A layer, the gateway and
 * the example agents keep theirs in their own `defaults.ts`; a few limits live beside the one piece
 * of code they bound (serveAgent's task store and reply size, the agent directory's size).
 */
export const DEFAULT_DELEGATION_TIMEOUT_MS = 30_000;
export const MAX_DELEGATION_TIMEOUT_MS = 10 * 60_000;
export const MAX_DELEGATION_AGENTS = 1_000;
/** What all the agents of one delegation may reply in total. */
export const DEFAULT_DELEGATION_REPLY_BYTES = 8 * 1024 * 1024;
/** How long a handoff may sit idle (no routed message) before it expires. */
export const DEFAULT_HANDOFF_IDLE_TIMEOUT_SECONDS = 60 * 60;
/** How long the target has to answer a handoff request. */
export const DEFAULT_HANDOFF_REQUEST_TIMEOUT_MS = 30_000;
/** How long a best-effort cancel notification may take. */
export const DEFAULT_HANDOFF_NOTIFY_TIMEOUT_MS = 5_000;
/** Recent messages sent with a handoff request. */
export const DEFAULT_HANDOFF_RECENT_MESSAGES = 10;
/** Per-turn timeout for routed messages. */
export const DEFAULT_ROUTE_TIMEOUT_MS = 120_000;
/** Words that, alone in a message, cancel an active handoff. */
export const DEFAULT_EXIT_COMMANDS: readonly string[] = Object.freeze(["exit", "cancel", "quit", "stop"]);
