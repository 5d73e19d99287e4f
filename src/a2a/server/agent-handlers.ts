/**
 * What an agent built with `serveAgent` supplies: its `handleMessage` generator and handoff
 * callbacks, and the context each message is handled with.
 */
import type {
  HandoffAcceptPayload,
  HandoffCancelPayload,
  HandoffRequestPayload,
  HandoffReturnPayload,
  PreviousResult,
} from "../handoff-extension.js";
import type { WirePart } from "../wire.js";

/** What `handleMessage` yields: a text chunk, or a data object sent as a data part. */
export type AgentOutput = string | { data: Record<string, unknown> };

/** The handoff a message belongs to (when `metadata.omniforge.handoffId` is set). */
export interface AgentHandoffContext extends Partial<Omit<HandoffRequestPayload, "handoffId">> {
  handoffId: string;
}

/** Everything `handleMessage` gets about one incoming message. */
export interface AgentMessageContext {
  /** The message's text parts, joined with "\n". */
  readonly text: string;
  /** The message's parts as they came on the wire (`{text}`, `{data, mediaType}`, ...). */
  readonly parts: readonly WirePart[];
  /** The objects carried by the message's data parts. */
  readonly data: readonly Record<string, unknown>[];
  /** The A2A contextId (OmniForge sends the threadId). */
  readonly threadId: string;
  /** From `metadata.omniforge`; undefined when the caller sent none. */
  readonly tenantId: string | undefined;
  /** From `metadata.omniforge`; undefined when the caller sent none. */
  readonly userId: string | undefined;
  readonly taskId: string;
  readonly messageId: string;
  /** The message's metadata as sent. */
  readonly metadata: Readonly<Record<string, unknown>> | undefined;
  /** Earlier agents' answers in a sequential delegation (`previousResults` data part); [] when none. */
  readonly previousResults: readonly PreviousResult[];
  /**
   * The handoff in progress, when the message carries `metadata.omniforge.handoffId`: the id, plus
   * the accepted handoffRequest's fields when this server accepted it (same tenant).
   */
  readonly handoff: AgentHandoffContext | undefined;
  /** Aborted on CancelTask, client disconnect, handoff cancel or server shutdown. */
  readonly signal: AbortSignal;
  /** Hands control back to the orchestrator: emits a `handoffReturn` data part in the reply stream. */
  returnControl(ret: HandoffReturnPayload): void;
  /**
   * Asks the user a question: when the handler returns, the turn ends `TASK_STATE_INPUT_REQUIRED`
   * with `question` as its status message (what was yielded before stays the turn's reply). The
   * user's answer arrives as a new message on the same task: `ctx.taskId` is the same, `ctx.answerTo`
   * is the question, and `ctx.state` is what this turn left in it. A task takes one turn at a time:
   * a message for it while a turn is running is refused (A2A UnsupportedOperation).
   */
  askUser(question: string): void;
  /**
   * Declines the message: the agent has no answer (nothing matched, out of its scope). When the
   * handler returns, the turn ends `TASK_STATE_REJECTED` with `reason` as its status message — an
   * honest "I found nothing" the user can read, which an orchestrator does not take as an answer
   * (FIRST_SUCCESS moves on to the other agents; the delegation result is `AGENT_DECLINED`).
   * Overrides `askUser`. Yield nothing before it: what was yielded would still be sent.
   */
  decline(reason: string): void;
  /**
   * The question this message answers, when it continues a task whose previous turn asked
   * (`askUser`, or any agent's INPUT_REQUIRED turn); undefined for a new task.
   */
  readonly answerTo: string | undefined;
  /**
   * What the handler keeps between the turns of one task: a JSON object, saved with the task when a
   * turn asks (`askUser`) and handed back on the next turn — through the task store, so a task
   * waiting for input survives a restart on a database store. At most 64 KiB as JSON.
   */
  readonly state: Record<string, unknown>;
}

/** The user-supplied behaviour of an agent. */
export interface AgentHandlers {
  /** Produces the reply to one message, chunk by chunk. A thrown error fails the task with its message. */
  handleMessage(ctx: AgentMessageContext): AsyncIterable<AgentOutput>;
  /** Decides on a handoff request. Without it every handoff is refused. */
  onHandoffRequest?(
    request: HandoffRequestPayload,
    options: { signal: AbortSignal },
  ): Promise<HandoffAcceptPayload> | HandoffAcceptPayload;
  /** Told when the orchestrator cancels a handoff (running handlers of that handoff are aborted too). */
  onHandoffCancel?(cancel: HandoffCancelPayload): Promise<void> | void;
}
