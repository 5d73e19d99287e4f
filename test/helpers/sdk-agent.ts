/**
 * A delegation target written with the plain @a2a-js/sdk server only (no OmniForge code on the
 * agent side). It answers with a task whose final COMPLETED status carries the reply message — a
 * different reply shape from serveAgent's artifact chunks.
 */
import { Role, TaskState } from "@a2a-js/sdk";
import type { Message } from "@a2a-js/sdk";
import { AgentEvent, type AgentExecutor } from "@a2a-js/sdk/server";
import { randomUUID } from "node:crypto";
import type { AgentCard } from "../../src/a2a/agent-card.js";
import { startSdkAgent as startSdkServer } from "./a2a.js";

export interface SdkAgent {
  card: AgentCard;
  /** The contextIds of every message received. */
  contextIds: string[];
  /** Task ids the SDK's request handler asked the executor to cancel (A2A CancelTask). */
  cancelledTaskIds: string[];
  /** Resolves when the first CancelTask arrives. */
  cancelled: Promise<string>;
  /** Resolves when the agent has published its first task. */
  started: Promise<void>;
  close(): Promise<void>;
}

export async function startSdkAgent(options: {
  id: string;
  reply: (text: string) => string;
  /** Never finish: stay WORKING until cancelled. */
  hang?: boolean;
  /** Answer only once this resolves (orders a race deterministically). */
  waitFor?: Promise<unknown>;
}): Promise<SdkAgent> {
  let onStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  const contextIds: string[] = [];
  const cancelledTaskIds: string[] = [];
  const waiting = new Map<string, () => void>();
  let onCancel: (taskId: string) => void = () => {};
  const cancelled = new Promise<string>((resolve) => (onCancel = resolve));
  const executor: AgentExecutor = {
    execute: async (ctx, bus) => {
      const { taskId, contextId } = ctx;
      contextIds.push(contextId);
      const first = ctx.userMessage.parts.find((p) => p.content?.$case === "text")?.content;
      const text = first?.$case === "text" ? first.value : "";
      const reply: Message = {
        messageId: randomUUID(),
        contextId,
        taskId,
        role: Role.ROLE_AGENT,
        parts: [
          {
            content: { $case: "text", value: options.reply(text) },
            mediaType: "text/plain",
            filename: "",
            metadata: undefined,
          },
        ],
        metadata: undefined,
        extensions: [],
        referenceTaskIds: [],
      };
      const now = () => new Date().toISOString();
      bus.publish(
        AgentEvent.task({
          id: taskId,
          contextId,
          status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: now() },
          artifacts: [],
          history: [ctx.userMessage],
          metadata: undefined,
        }),
      );
      onStarted();
      await options.waitFor;
      if (options.hang) {
        bus.publish(
          AgentEvent.statusUpdate({
            taskId,
            contextId,
            status: { state: TaskState.TASK_STATE_WORKING, message: undefined, timestamp: now() },
            metadata: undefined,
          }),
        );
        await new Promise<void>((resolve) => waiting.set(taskId, resolve));
        bus.finished();
        return;
      }
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId,
          status: { state: TaskState.TASK_STATE_COMPLETED, message: reply, timestamp: now() },
          metadata: undefined,
        }),
      );
      bus.finished();
    },
    cancelTask: async (taskId, bus) => {
      cancelledTaskIds.push(taskId);
      onCancel(taskId);
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId: "",
          status: {
            state: TaskState.TASK_STATE_CANCELED,
            message: undefined,
            timestamp: new Date().toISOString(),
          },
          metadata: undefined,
        }),
      );
      waiting.get(taskId)?.();
    },
  };
  const server = await startSdkServer(executor);
  const card: AgentCard = {
    ...server.card,
    identity: { ...server.card.identity, id: options.id, name: options.id },
  };
  return {
    card,
    contextIds,
    cancelledTaskIds,
    cancelled,
    started,
    close: async () => {
      for (const release of waiting.values()) release();
      await server.close();
    },
  };
}
