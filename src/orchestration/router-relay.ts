/**
 * Relays one agent's streamed reply as router events and stores it: what the user was shown is
 * kept even when the turn does not end normally, and a specialist that returns control mid-stream
 * completes its handoff.
 */
import { findHandoffReturn } from "../a2a/handoff-extension.js";
import { AgentError, ErrorCode, isOrchestrationError } from "../errors.js";
import type { linkSignals } from "../observability.js";
import type { HandoffManager, HandoffSession } from "./handoff-manager.js";
import type { AgentStreamItem } from "./orchestration-manager.js";
import type { RouterEvent } from "./router-events.js";
import type { AgentStream, InputRequest, OpenTaskTurn, RouterOpenTasks } from "./router-open-tasks.js";
import type { RouterReplies } from "./router-replies.js";

/** One turn's cancellation: the signal every upstream call of the turn listens to. */
export type Turn = ReturnType<typeof linkSignals>;

/** What {@link relayReply} relays. */
export interface Relay extends OpenTaskTurn {
  stream: AgentStream;
  /** The user message being stored; awaited before the first piece of the reply. */
  stored: Promise<void>;
  turn: Turn;
  metadata: Record<string, unknown>;
  /** The handoff whose specialist answers, if any. */
  session?: HandoffSession;
}

/** What a relay writes through. */
export interface RelayParts {
  handoffs: Pick<HandoffManager, "finishFromAgent" | "noteReturn">;
  replies: RouterReplies;
  openTasks: RouterOpenTasks;
}

/** After a specialist returned control, this long is allowed for the rest of its reply to arrive. */
const DRAIN_AFTER_RETURN_MS = 10_000;

/**
 * Relays one agent's streamed reply as chunk events and stores it. With a handoff `session`, a
 * `handoffReturn` in the stream completes the handoff. The stream is read by hand (not `for
 * await`), so that when the consumer stops early the rest of a returned specialist's reply can
 * still be read and stored before the upstream is closed.
 */
export async function* relayReply(relay: Relay, parts: RelayParts): AsyncGenerator<RouterEvent> {
  const { input, agentId, stored } = relay;
  const reader = new ReplyReader(relay, parts.handoffs);
  let left = true;
  try {
    while (await reader.read()) {
      for (const event of reader.take()) yield event;
    }
    left = false;
  } catch (error) {
    left = false;
    await stored.catch(() => undefined);
    if (reader.text !== "") await parts.replies.storeInterrupted(reader.reply(), errorCodeOf(error));
    else await parts.replies.storeFailed({ thread: input, agentId }, errorCodeOf(error));
    await reader.noteReturn();
    throw error;
  } finally {
    if (left) await keepWhatWasShown(reader, relay, parts);
  }
  await stored;
  const asked = reader.asked;
  await parts.openTasks.settle(relay, asked);
  const metadata = asked
    ? { ...relay.metadata, inputRequired: { taskId: asked.taskId, state: asked.state } }
    : relay.metadata;
  // The handoff's end is noted after the reply that returned control, as the thread reads.
  for await (const event of parts.replies.finish({ thread: input, agentId, text: reader.text, metadata })) {
    await reader.noteReturn();
    yield event;
  }
}

/**
 * The consumer stopped reading. A specialist that already gave control back gets to finish its
 * reply (bounded); otherwise the upstream is closed and what was shown is kept.
 */
async function keepWhatWasShown(reader: ReplyReader, relay: Relay, parts: RelayParts): Promise<void> {
  let complete = false;
  if (reader.returned) complete = await readToEnd(reader, relay.turn);
  else await relay.stream.return(undefined as never).catch(() => undefined);
  await relay.stored.catch(() => undefined);
  if (complete) await parts.replies.store(reader.reply()).catch(() => undefined);
  else if (reader.text !== "") await parts.replies.storeInterrupted(reader.reply(), ErrorCode.ABORTED);
  await reader.noteReturn();
}

/** Reads the rest of the reply within {@link DRAIN_AFTER_RETURN_MS}; false when it did not arrive whole. */
async function readToEnd(reader: ReplyReader, turn: Turn): Promise<boolean> {
  // A stuck stream is cut by aborting the turn (a pending read cannot be "returned").
  const deadline = setTimeout(() => turn.abort(), DRAIN_AFTER_RETURN_MS);
  try {
    while (await reader.read()) reader.take();
    return true;
  } catch {
    // What arrived before the failure is kept by the caller.
    return false;
  } finally {
    clearTimeout(deadline);
  }
}

/** Reads one agent's stream item by item: the reply so far, what it asked, and the events to yield. */
class ReplyReader {
  text = "";
  asked: InputRequest | undefined;
  returned = false;
  /** The thread's note that the handoff ended, written once the reply is stored. */
  #returnNote: (() => Promise<void>) | undefined;
  readonly #relay: Relay;
  readonly #handoffs: RelayParts["handoffs"];
  #pending: RouterEvent[] = [];
  #userMessageStored = false;

  constructor(relay: Relay, handoffs: RelayParts["handoffs"]) {
    this.#relay = relay;
    this.#handoffs = handoffs;
  }

  /** Reads the next item; false at the end of the stream. */
  async read(): Promise<boolean> {
    const next = await this.#relay.stream.next();
    if (next.done) return false;
    if (!this.#userMessageStored) {
      // The user's message goes into the thread before anything of the reply does.
      await this.#relay.stored;
      this.#userMessageStored = true;
    }
    const event = await this.#eventOf(next.value);
    if (event) this.#pending.push(event);
    return true;
  }

  /** The events read since the last call. */
  take(): RouterEvent[] {
    const events = this.#pending;
    this.#pending = [];
    return events;
  }

  /** Writes the handoff-ended note, once, if the agent returned control. */
  async noteReturn(): Promise<void> {
    const note = this.#returnNote;
    this.#returnNote = undefined;
    await note?.();
  }

  /** The reply as far as it got, to store under the relay's metadata. */
  reply() {
    const { input, agentId, metadata } = this.#relay;
    return { thread: input, agentId, text: this.text, metadata };
  }

  async #eventOf(item: AgentStreamItem): Promise<RouterEvent | undefined> {
    const { agentId, session } = this.#relay;
    if (item.type === "text") {
      this.text += item.text;
      return { type: "chunk", agentId, text: item.text };
    }
    if (item.type === "input_required") {
      this.asked = item;
      return {
        type: "input_required",
        agentId,
        taskId: item.taskId,
        state: item.state,
        question: item.question,
        ...(session ? { handoffId: session.handoffId } : {}),
      };
    }
    const ret = session && !this.returned ? agentsHandoffReturn(item.data, agentId) : undefined;
    if (!ret || !session) return undefined;
    this.returned = true;
    const done = await this.#handoffs.finishFromAgent(session, ret, { note: false });
    this.#returnNote = () => this.#handoffs.noteReturn(done, ret);
    return {
      type: "handoff_returned",
      handoffId: session.handoffId,
      agentId,
      completionStatus: ret.completionStatus,
      ...(ret.resultSummary !== undefined ? { resultSummary: ret.resultSummary } : {}),
      artifactsCreated: done.artifactsCreated,
    };
  }
}

/** The agent's `handoffReturn`, if the data part is one; a malformed one is the agent's fault. */
function agentsHandoffReturn(data: Record<string, unknown>, agentId: string) {
  try {
    return findHandoffReturn([data]);
  } catch (error) {
    throw new AgentError(
      ErrorCode.AGENT_PROTOCOL_ERROR,
      `Agent ${agentId} sent an invalid handoffReturn: ${(error as Error).message}`,
      { cause: error, context: { agentId } },
    );
  }
}

function errorCodeOf(error: unknown): string {
  return isOrchestrationError(error) ? error.code : ErrorCode.INTERNAL_ERROR;
}
