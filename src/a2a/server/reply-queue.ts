/**
 * One turn's reply artifact on its way out: what `handleMessage` yields is checked, counted against
 * the turn's reply limit and sent in coalesced artifact updates.
 */
import type { Part } from "@a2a-js/sdk";
import { AgentEvent } from "@a2a-js/sdk/server";
import type { ExecutionEventBus } from "@a2a-js/sdk/server";
import { AgentError, ErrorCode } from "../../errors.js";
import { isObject } from "../wire.js";
import type { AgentOutput } from "./agent-handlers.js";

/**
 * Chunks yielded within this long of the last one sent travel together in one artifact update (the
 * first goes at once): each update is a save of the whole task, so a reply yielded token by token
 * would otherwise cost the square of its length.
 */
const COALESCE_MS = 20;
/** ... unless this much is waiting, which goes at once. */
const COALESCE_BYTES = 32 * 1024;

/** The id (and name) of the artifact a turn's reply is sent as. */
export const REPLY_ARTIFACT_ID = "response";

export function textPart(text: string): Part {
  return {
    content: { $case: "text", value: text },
    mediaType: "text/plain",
    filename: "",
    metadata: undefined,
  };
}

export function dataPart(data: Record<string, unknown>): Part {
  return {
    content: { $case: "data", value: data },
    mediaType: "application/json",
    filename: "",
    metadata: undefined,
  };
}

export interface ReplyQueueConfig {
  readonly eventBus: ExecutionEventBus;
  readonly taskId: string;
  readonly contextId: string;
  /** The most the turn's reply may total (text and data, as UTF-8/JSON). */
  readonly maxReplyBytes: number;
}

/**
 * The reply artifact of one turn: the first update is sent whole, later ones append; an update
 * closing the reply carries `lastChunk`. Once closed (the turn has ended) nothing more is sent.
 */
export class ReplyQueue {
  readonly #config: ReplyQueueConfig;
  #chunks = 0;
  /** Parts yielded but not yet sent, and their size. */
  #pending: Part[] = [];
  #pendingBytes = 0;
  /** When the last artifact update went out (performance.now()). */
  #lastFlush = Number.NEGATIVE_INFINITY;
  #flushTimer: NodeJS.Timeout | undefined;
  /** What the turn's reply totals so far. */
  #replyBytes = 0;
  #closed = false;

  constructor(config: ReplyQueueConfig) {
    this.#config = config;
  }

  /** True once the turn has ended: nothing queued is sent any more. */
  get closed(): boolean {
    return this.#closed;
  }

  /** True when part of the reply was sent or waits to be. */
  get started(): boolean {
    return this.#chunks > 0 || this.#pending.length > 0;
  }

  close(): void {
    this.#closed = true;
  }

  /** Adds one yielded output to the reply; throws when it is not an output, or AGENT_RESPONSE_TOO_LARGE past the limit. */
  push(output: AgentOutput): void {
    let part: Part;
    let bytes: number;
    if (typeof output === "string") {
      if (output === "") return;
      part = textPart(output);
      bytes = Buffer.byteLength(output);
    } else if (isObject(output) && isObject(output.data)) {
      part = dataPart(output.data);
      bytes = Buffer.byteLength(JSON.stringify(output.data));
    } else {
      throw new TypeError("handleMessage must yield strings or { data: {...} } objects");
    }
    this.#replyBytes += bytes;
    const limit = this.#config.maxReplyBytes;
    if (this.#replyBytes > limit) {
      throw new AgentError(
        ErrorCode.AGENT_RESPONSE_TOO_LARGE,
        `${ErrorCode.AGENT_RESPONSE_TOO_LARGE}: the reply is larger than ${limit} bytes (serveAgent maxReplyBytes)`,
        { context: { maxReplyBytes: limit } },
      );
    }
    this.#queue(part, bytes);
  }

  /** Sends what is queued as one artifact update (the closing one with `lastChunk`, even when empty). */
  flush(lastChunk: boolean): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#closed || (this.#pending.length === 0 && !lastChunk)) return;
    const parts = this.#pending.length > 0 ? this.#pending : [textPart("")];
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#lastFlush = performance.now();
    this.publish(parts, lastChunk);
  }

  /** Sends `parts` as the next artifact update at once, past the queue. */
  publish(parts: Part[], lastChunk: boolean, extensions: string[] = []): void {
    const { eventBus, taskId, contextId } = this.#config;
    eventBus.publish(
      AgentEvent.artifactUpdate({
        taskId,
        contextId,
        artifact: {
          artifactId: REPLY_ARTIFACT_ID,
          name: REPLY_ARTIFACT_ID,
          description: "",
          parts,
          metadata: undefined,
          extensions,
        },
        append: this.#chunks > 0,
        lastChunk,
        metadata: undefined,
      }),
    );
    this.#chunks += 1;
  }

  /** Queues a part: sent at once when the last update is old enough or enough waits, else soon. */
  #queue(part: Part, bytes: number): void {
    const last = this.#pending.at(-1);
    if (last?.content?.$case === "text" && part.content?.$case === "text") {
      last.content = { $case: "text", value: last.content.value + part.content.value };
    } else {
      this.#pending.push(part);
    }
    this.#pendingBytes += bytes;
    const waited = performance.now() - this.#lastFlush;
    if (waited >= COALESCE_MS || this.#pendingBytes >= COALESCE_BYTES) {
      this.flush(false);
    } else {
      this.#flushTimer ??= setTimeout(() => this.flush(false), COALESCE_MS - waited);
    }
  }
}
