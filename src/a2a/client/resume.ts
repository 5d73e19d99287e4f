/**
 * No reply lost to a dropped stream. A streamed call whose connection breaks (or whose stream ends)
 * before its task does is resumed: first by subscribing to the task again (`SubscribeToTask` /
 * `tasks/resubscribe`), then, failing that, by polling `GetTask` until the task ends or the call's
 * deadline passes. What a snapshot repeats is not delivered twice: per artifact, only text and data
 * beyond what the consumer already has are passed on.
 */
import { REFUSING_HTTP_STATUSES } from "./transports/sdk-errors.js";
import type { Logger } from "pino";
import { AgentError, ErrorCode, isOrchestrationError } from "../../errors.js";
import { A2ATaskState, isTerminalTaskState } from "../wire.js";
import { ReplyTooLargeError, type CallScope } from "./call-scope.js";
import type { A2ATransport, TransportCall } from "./transports/transport.js";
import type {
  A2AArtifactEvent,
  A2AStatusEvent,
  A2AStreamEvent,
  A2ATaskEvent,
  TaskSnapshot,
} from "./types.js";

/** How many times a broken stream is resubscribed before falling back to polling. */
const MAX_RESUBSCRIBES = 2;
const MAX_POLL_INTERVAL_MS = 1_000;

/** States after which a stream has nothing more to say this turn. */
function turnEnded(state: A2ATaskState | undefined): boolean {
  return (
    state !== undefined &&
    (isTerminalTaskState(state) ||
      state === A2ATaskState.INPUT_REQUIRED ||
      state === A2ATaskState.AUTH_REQUIRED)
  );
}

interface Delivered {
  chars: number;
  data: number;
}

/** What the consumer has been given so far. */
class Progress {
  taskId: string | undefined;
  state: A2ATaskState | undefined;
  /** A message-only reply: nothing to resume. */
  messageOnly = false;
  #statusDelivered = false;
  readonly #artifacts = new Map<string, Delivered>();
  /**
   * The task announced again (the snapshot leading a resubscription): its state is news only after
   * the snapshot's artifacts, so it is held until they are in.
   */
  #held: A2ATaskEvent | undefined;

  /**
   * The events to pass on for `event`. A live chunk is passed whole; a snapshot's artifact only past
   * what was delivered. With `baseline` (the snapshot leading a stream that continues a task: its
   * artifacts and question are earlier turns'), a snapshot is recorded and nothing is passed on.
   * A known task announced again is not repeated: a change of state it brings is passed on as a
   * status snapshot after that snapshot's artifacts (see {@link Progress.flush}).
   */
  admit(event: A2AStreamEvent, baseline: boolean): A2AStreamEvent[] {
    if (event.type === "task" && event.taskId === this.taskId) {
      if (!baseline) this.#held = event;
      return [];
    }
    const partOfSnapshot = event.type !== "task" && event.type !== "message" && event.snapshot === true;
    // A snapshot's status says where the task stands: the held state is stale beside it.
    if (partOfSnapshot && event.type === "status") this.#held = undefined;
    if (partOfSnapshot || this.#held === undefined) return this.#admit(event, baseline);
    return [...this.flush(), ...this.#admit(event, baseline)];
  }

  /** The held state of a task announced again, as a status event if it changed anything. */
  flush(): A2AStreamEvent[] {
    const held = this.#held;
    this.#held = undefined;
    if (held === undefined || held.state === this.state) return [];
    this.state = held.state;
    if (turnEnded(held.state)) this.#statusDelivered = true;
    return [
      {
        type: "status",
        taskId: held.taskId,
        contextId: held.contextId,
        state: held.state,
        text: "",
        data: [],
        snapshot: true,
      },
    ];
  }

  #admit(event: A2AStreamEvent, baseline: boolean): A2AStreamEvent[] {
    switch (event.type) {
      case "task":
        this.taskId = event.taskId;
        if (!baseline) this.state = event.state;
        return [event];
      case "message":
        if (this.taskId === undefined) this.messageOnly = true;
        return [event];
      case "status": {
        if (event.taskId) this.taskId ??= event.taskId;
        if (event.snapshot && baseline) return [];
        if (event.snapshot && event.state === this.state && this.#statusDelivered) return [];
        this.state = event.state;
        if (turnEnded(event.state)) this.#statusDelivered = true;
        return [event];
      }
      case "artifact": {
        if (event.taskId) this.taskId ??= event.taskId;
        let seen = this.#artifacts.get(event.artifactId);
        const known = seen !== undefined;
        if (seen === undefined) {
          seen = { chars: 0, data: 0 };
          this.#artifacts.set(event.artifactId, seen);
        }
        if (!event.snapshot) {
          // A chunk that does not append replaces the artifact (a new turn of a continued task
          // may reuse its artifact id): what the agent now holds starts with it.
          seen.chars = (event.append ? seen.chars : 0) + event.text.length;
          seen.data = (event.append ? seen.data : 0) + event.data.length;
          return [event];
        }
        const text = event.text.slice(seen.chars);
        const data = event.data.slice(seen.data);
        seen.chars = Math.max(seen.chars, event.text.length);
        seen.data = Math.max(seen.data, event.data.length);
        if (baseline || (text === "" && data.length === 0)) return [];
        // The rest of an artifact the consumer has part of continues it; an unseen one starts.
        return [{ ...event, text, data, append: known, snapshot: false }];
      }
    }
  }

  /** The events standing for a task read with GetTask. */
  fromSnapshot(snapshot: TaskSnapshot): A2AStreamEvent[] {
    const events: A2AStreamEvent[] = [];
    const raw = snapshot.raw;
    for (const artifact of raw.artifacts ?? []) {
      const text: string[] = [];
      const data: Record<string, unknown>[] = [];
      for (const part of artifact.parts ?? []) {
        if (typeof part.text === "string") text.push(part.text);
        else if (part.data !== null && typeof part.data === "object" && !Array.isArray(part.data)) {
          data.push(part.data as Record<string, unknown>);
        }
      }
      const event: A2AArtifactEvent = {
        type: "artifact",
        taskId: snapshot.taskId,
        contextId: snapshot.contextId,
        artifactId: artifact.artifactId ?? "",
        text: text.join(""),
        data,
        append: false,
        lastChunk: true,
        snapshot: true,
      };
      events.push(...this.admit(event, false));
    }
    const status: A2AStatusEvent = {
      type: "status",
      taskId: snapshot.taskId,
      contextId: snapshot.contextId,
      state: snapshot.state,
      text: snapshot.statusText,
      data: [],
      snapshot: true,
    };
    events.push(...this.admit(status, false));
    return events;
  }
}

/** Errors a resumption can recover from: the connection went, not the agent's answer or our deadline. */
function isBreak(error: unknown, scope: CallScope): boolean {
  if (scope.abortKind !== undefined) return false;
  // The hand-written JSON-RPC transport leaves a failed body read as the socket's own error
  // (UND_ERR_SOCKET, ECONNRESET, ...): typed at the client's edge, but a break all the same.
  if (!isOrchestrationError(error)) return typeof (error as { code?: unknown } | null)?.code === "string";
  if (error.code === ErrorCode.AGENT_UNAVAILABLE)
    return error.context.httpStatus === undefined && error.context.grpcStatus === undefined;
  // A frame cut off when the connection closed mid-event.
  return (
    error.code === ErrorCode.AGENT_PROTOCOL_ERROR &&
    error.context.rpcCode === undefined &&
    error.context.a2aReason === undefined
  );
}

/** Options of {@link resumableStream}. */
export interface ResumeOptions {
  transport: A2ATransport;
  call: TransportCall;
  /** Whether the message continues an existing task (its leading snapshot is then the baseline). */
  continuesTask: boolean;
  pollIntervalMs: number;
  logger: Logger | undefined;
  /** Told each time the stream had to be resumed (for spans and logs). */
  onResume?: (how: "resubscribe" | "poll") => void;
}

/**
 * Counts what a turn delivers across every stream and snapshot of it, each event whole (ids and
 * all) in UTF-8 bytes. Each request is bounded on the wire, but a task resumed again and again
 * could otherwise deliver `maxReplyBytes` per request, or per poll.
 */
class DeliveredMeter {
  #bytes = 0;

  constructor(
    readonly limit: number,
    readonly agentId: string,
  ) {}

  /** `events`, once counted; ReplyTooLargeError when the turn passes the limit. */
  count(events: A2AStreamEvent[]): A2AStreamEvent[] {
    for (const event of events) {
      let json: string;
      try {
        json = JSON.stringify(event);
      } catch (error) {
        // Data nested deeper than the stack can serialize: unusable by anyone downstream.
        throw this.#fail(
          new AgentError(
            ErrorCode.AGENT_PROTOCOL_ERROR,
            `Agent ${this.agentId} sent data nested too deeply to use`,
            {
              cause: error,
              context: { agentId: this.agentId },
            },
          ),
        );
      }
      this.#bytes += Buffer.byteLength(json);
      if (this.#bytes > this.limit) throw this.#fail(new ReplyTooLargeError(this.limit, false));
    }
    return events;
  }

  /** True for an error this meter threw (it ends the turn: no other way to resume is tried). */
  threw(error: unknown): boolean {
    return error !== undefined && error === this.#failure;
  }

  #failure: unknown;

  #fail(error: Error): Error {
    this.#failure = error;
    return error;
  }
}

/**
 * A refusal (credentials, permission, size, rate: an HTTP or gRPC status that says so): met while
 * resuming, it is the answer, not a reason to try another way.
 */
function isRefusal(error: unknown): boolean {
  return (
    isOrchestrationError(error) &&
    error.code === ErrorCode.AGENT_UNAVAILABLE &&
    (error.context.grpcStatus !== undefined || REFUSING_HTTP_STATUSES.has(error.context.httpStatus as number))
  );
}

/** The events of `source`, with the task resumed if the stream breaks before it ends. */
export async function* resumableStream(
  source: AsyncGenerator<A2AStreamEvent, void, undefined>,
  options: ResumeOptions,
): AsyncGenerator<A2AStreamEvent, void, undefined> {
  const meter = new DeliveredMeter(options.call.limits.maxReplyBytes, options.call.scope.agentId);
  const progress = new Progress();
  let broken: unknown;
  // The snapshot leading a stream that continues a task is the baseline, until the first new event.
  let leading = options.continuesTask;
  try {
    for await (const event of source) {
      if (event.type !== "task" && !(event.type !== "message" && event.snapshot)) leading = false;
      yield* meter.count(progress.admit(event, leading));
    }
  } catch (error) {
    if (meter.threw(error) || !isBreak(error, options.call.scope) || progress.taskId === undefined)
      throw error;
    broken = error;
  }
  yield* meter.count(progress.flush());
  if (broken !== undefined && turnEnded(progress.state)) throw broken;
  if (progress.messageOnly || progress.taskId === undefined || turnEnded(progress.state)) return;
  // The stream ended (or broke) while the task had more to say.
  const taskId = progress.taskId;
  options.logger?.info(
    { agentId: options.call.scope.agentId, taskId, broken: broken !== undefined },
    "a2a stream ended before its task; resuming",
  );
  for (let attempt = 0; attempt < MAX_RESUBSCRIBES; attempt++) {
    options.onResume?.("resubscribe");
    try {
      for await (const event of options.transport.resubscribe(taskId, options.call)) {
        yield* meter.count(progress.admit(event, false));
      }
      yield* meter.count(progress.flush());
      if (turnEnded(progress.state)) return;
    } catch (error) {
      if (options.call.scope.abortKind !== undefined) throw options.call.scope.toError(error);
      if (meter.threw(error) || isRefusal(error)) throw error;
      options.logger?.debug(
        { agentId: options.call.scope.agentId, taskId, code: (error as { code?: string }).code },
        "resubscribe failed; polling the task",
      );
      break;
    }
  }
  options.onResume?.("poll");
  let wait = options.pollIntervalMs;
  for (;;) {
    options.call.scope.throwIfAborted();
    let snapshot: TaskSnapshot;
    try {
      snapshot = await options.transport.getTask(taskId, options.call);
    } catch (error) {
      if (options.call.scope.abortKind !== undefined) throw options.call.scope.toError(error);
      if (isRefusal(error)) throw error;
      // An agent that cannot be asked about its task: a stream it ended itself simply ends; a broken
      // one fails with what broke it.
      options.logger?.warn(
        { agentId: options.call.scope.agentId, taskId, code: (error as { code?: string }).code },
        "the task could not be read after its stream ended",
      );
      if (broken !== undefined) throw broken;
      return;
    }
    yield* meter.count(progress.fromSnapshot(snapshot));
    if (turnEnded(progress.state)) return;
    await sleep(wait, options.call.scope.signal);
    wait = Math.min(wait * 2, MAX_POLL_INTERVAL_MS);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
