/**
 * A2A v1.0 JSON-RPC wire shapes (ProtoJSON: empty fields omitted, enums as names) and the cheap
 * structural readers the client uses on its hot path. The SDK's codecs build full protobuf objects
 * for every message; these readers only touch the fields OmniForge needs.
 */
import { AgentError, ErrorCode } from "../errors.js";

/** Task states as they appear on the wire. */
export const A2ATaskState = {
  UNSPECIFIED: "TASK_STATE_UNSPECIFIED",
  SUBMITTED: "TASK_STATE_SUBMITTED",
  WORKING: "TASK_STATE_WORKING",
  COMPLETED: "TASK_STATE_COMPLETED",
  FAILED: "TASK_STATE_FAILED",
  CANCELED: "TASK_STATE_CANCELED",
  INPUT_REQUIRED: "TASK_STATE_INPUT_REQUIRED",
  REJECTED: "TASK_STATE_REJECTED",
  AUTH_REQUIRED: "TASK_STATE_AUTH_REQUIRED",
} as const;
export type A2ATaskState = (typeof A2ATaskState)[keyof typeof A2ATaskState];

/** Indexed by the protobuf enum number, which ProtoJSON also allows on the wire. */
const STATE_BY_NUMBER: readonly A2ATaskState[] = [
  A2ATaskState.UNSPECIFIED,
  A2ATaskState.SUBMITTED,
  A2ATaskState.WORKING,
  A2ATaskState.COMPLETED,
  A2ATaskState.FAILED,
  A2ATaskState.CANCELED,
  A2ATaskState.INPUT_REQUIRED,
  A2ATaskState.REJECTED,
  A2ATaskState.AUTH_REQUIRED,
];
const KNOWN_STATES: ReadonlySet<string> = new Set(STATE_BY_NUMBER);

/** True for the states a task never leaves (COMPLETED, FAILED, CANCELED, REJECTED). */
export function isTerminalTaskState(state: A2ATaskState): boolean {
  return (
    state === A2ATaskState.COMPLETED ||
    state === A2ATaskState.FAILED ||
    state === A2ATaskState.CANCELED ||
    state === A2ATaskState.REJECTED
  );
}

/** True for the terminal states that mean the work did not succeed. */
export function isFailedTaskState(state: A2ATaskState): boolean {
  return state === A2ATaskState.FAILED || state === A2ATaskState.CANCELED || state === A2ATaskState.REJECTED;
}

/** One part: exactly one of `text`, `data`, `url`, `raw`, plus optional `mediaType`. */
/** A message/artifact part on the wire: exactly one of `text`, `data`, `url`, `raw`. */
export interface WirePart {
  text?: string;
  data?: unknown;
  url?: string;
  /** base64 bytes */
  raw?: string;
  mediaType?: string;
  filename?: string;
  metadata?: Record<string, unknown>;
}

/** A message on the wire (roles are `ROLE_USER` / `ROLE_AGENT`). */
export interface WireMessage {
  messageId: string;
  role: string;
  contextId?: string;
  taskId?: string;
  parts: WirePart[];
  metadata?: Record<string, unknown>;
  extensions?: string[];
  referenceTaskIds?: string[];
}

/** A task's status on the wire. */
export interface WireTaskStatus {
  state: A2ATaskState;
  message?: WireMessage;
  timestamp?: string;
}

/** A task output on the wire. */
export interface WireArtifact {
  artifactId: string;
  name?: string;
  description?: string;
  parts: WirePart[];
  metadata?: Record<string, unknown>;
  extensions?: string[];
}

/** A task on the wire. */
export interface WireTask {
  id: string;
  contextId: string;
  status: WireTaskStatus;
  artifacts?: WireArtifact[];
  history?: WireMessage[];
  metadata?: Record<string, unknown>;
}

/** A `statusUpdate` stream event on the wire. */
export interface WireStatusUpdate {
  taskId: string;
  contextId: string;
  status: WireTaskStatus;
  metadata?: Record<string, unknown>;
}

/** An `artifactUpdate` stream event on the wire. */
export interface WireArtifactUpdate {
  taskId: string;
  contextId: string;
  artifact: WireArtifact;
  append?: boolean;
  lastChunk?: boolean;
  metadata?: Record<string, unknown>;
}

/** Context attached to protocol errors. */
export interface WireErrorContext {
  agentId: string;
  method: string;
}

/** An AGENT_PROTOCOL_ERROR for something the agent sent that is not valid A2A. */
export function protocolError(message: string, ctx: WireErrorContext, cause?: unknown): AgentError {
  return new AgentError(ErrorCode.AGENT_PROTOCOL_ERROR, `Agent ${ctx.agentId}: ${message}`, {
    cause,
    context: { agentId: ctx.agentId, method: ctx.method },
  });
}

/** A plain (non-array) object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Normalizes a wire task state (name or enum number); unknown values are a protocol error. */
export function readState(value: unknown, ctx: WireErrorContext): A2ATaskState {
  if (typeof value === "string" && KNOWN_STATES.has(value)) return value as A2ATaskState;
  if (typeof value === "number") {
    const state = STATE_BY_NUMBER[value];
    if (state !== undefined) return state;
  }
  throw protocolError(`unknown task state ${JSON.stringify(value)?.slice(0, 64)}`, ctx);
}

/** Text and data collected from parts. Text parts are concatenated (streamed chunks join seamlessly). */
export interface Content {
  text: string;
  data: Record<string, unknown>[];
}

/** Appends the text/data of `parts` to `into`; `parts` must be an array (missing counts as empty). */
export function collectParts(
  parts: unknown,
  into: { texts: string[]; data: Record<string, unknown>[] },
  ctx: WireErrorContext,
): void {
  if (parts === undefined) return;
  if (!Array.isArray(parts)) throw protocolError("parts is not an array", ctx);
  for (const part of parts) {
    if (!isObject(part)) throw protocolError("a part is not an object", ctx);
    const text = part.text;
    if (typeof text === "string") {
      into.texts.push(text);
      continue;
    }
    const data = part.data;
    if (isObject(data)) {
      if (nestsDeeperThan(data, MAX_DATA_DEPTH)) {
        throw protocolError(`a data part nests deeper than ${MAX_DATA_DEPTH} levels`, ctx);
      }
      into.data.push(data);
    }
  }
}

/** Data parts nested deeper than this are refused: nothing downstream could serialize or walk them safely. */
export const MAX_DATA_DEPTH = 256;

/** True when `root` nests deeper than `limit` (walked iteratively, stopping at the first too-deep value). */
function nestsDeeperThan(root: object, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (depth > limit) return true;
    if (Array.isArray(value)) for (const item of value) stack.push([item, depth + 1]);
    else if (isObject(value)) for (const key in value) stack.push([value[key], depth + 1]);
  }
  return false;
}

/** The joined text and the data objects of a list of parts. */
export function readContent(parts: unknown, ctx: WireErrorContext): Content {
  const acc = { texts: [] as string[], data: [] as Record<string, unknown>[] };
  collectParts(parts, acc, ctx);
  return { text: acc.texts.join(""), data: acc.data };
}

/** Structural check of a message; returns it typed. */
export function readMessage(value: unknown, ctx: WireErrorContext): WireMessage {
  if (!isObject(value)) throw protocolError("message is not an object", ctx);
  if (typeof value.messageId !== "string") throw protocolError("message.messageId is missing", ctx);
  if (value.parts !== undefined && !Array.isArray(value.parts))
    throw protocolError("message.parts is not an array", ctx);
  return value as unknown as WireMessage;
}

/** Structural check of a task status; normalizes the state in place. */
export function readStatus(value: unknown, ctx: WireErrorContext): WireTaskStatus {
  if (!isObject(value)) throw protocolError("task status is missing", ctx);
  const state = readState(value.state, ctx);
  value.state = state;
  if (value.message !== undefined) readMessage(value.message, ctx);
  return value as unknown as WireTaskStatus;
}

/** Structural check of a task; normalizes its state in place. */
export function readTask(value: unknown, ctx: WireErrorContext): WireTask {
  if (!isObject(value)) throw protocolError("task is not an object", ctx);
  if (typeof value.id !== "string" || value.id === "") throw protocolError("task.id is missing", ctx);
  readStatus(value.status, ctx);
  if (value.artifacts !== undefined && !Array.isArray(value.artifacts)) {
    throw protocolError("task.artifacts is not an array", ctx);
  }
  if (value.contextId === undefined) value.contextId = "";
  return value as unknown as WireTask;
}

/** Structural check of an artifact; returns it typed. */
export function readArtifact(value: unknown, ctx: WireErrorContext): WireArtifact {
  if (!isObject(value)) throw protocolError("artifact is not an object", ctx);
  if (value.parts !== undefined && !Array.isArray(value.parts))
    throw protocolError("artifact.parts is not an array", ctx);
  return value as unknown as WireArtifact;
}

/**
 * The text and data of a task result: its artifacts' parts (chunks of one artifact join with "",
 * artifacts with "\n"); when the artifacts carry no text, the status message's text. Data comes
 * from the artifacts and the status message.
 */
export function readTaskContent(task: WireTask, ctx: WireErrorContext): Content {
  const texts: string[] = [];
  const data: Record<string, unknown>[] = [];
  for (const artifact of task.artifacts ?? []) {
    const content = readContent(readArtifact(artifact, ctx).parts, ctx);
    if (content.text !== "") texts.push(content.text);
    for (const entry of content.data) data.push(entry);
  }
  const status = readContent(task.status.message?.parts, ctx);
  for (const entry of status.data) data.push(entry);
  return { text: texts.length > 0 ? texts.join("\n") : status.text, data };
}
