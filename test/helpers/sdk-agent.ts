/**
 * A delegation target written with the plain @a2a-js/sdk server only (no OmniForge code on the
 * agent side). It answers with a task whose final COMPLETED status carries the reply message — a
 * different reply shape from serveAgent's artifact chunks.
 */
import { Role, TaskState } from "@a2a-js/sdk";
import type { Message } from "@a2a-js/sdk";
import { AgentEvent, type AgentExecutor } from "@a2a-js/sdk/server";
import { randomUUID } from "node:crypto";
import type { AgentCard } from "../../src/agents/agent-card.js";
import { startSdkAgent as startSdkServer } from "../a2a/helpers.js";

export interface SdkAgent {
  card: AgentCard;
  /** The contextIds of every message received. */
  contextIds: string[];
  close(): Promise<void>;
}

export async function startSdkAgent(options: {
  id: string;
  reply: (text: string) => string;
}): Promise<SdkAgent> {
  const contextIds: string[] = [];
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
    cancelTask: async () => {},
  };
  const server = await startSdkServer(executor);
  const card: AgentCard = {
    ...server.card,
    identity: { ...server.card.identity, id: options.id, name: options.id },
  };
  return { card, contextIds, close: () => server.close() };
}
