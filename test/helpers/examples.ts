/** Shared by the example-agent suites: temp dirs, and calling agents exactly as OmniForge does. */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { A2AClient } from "../../src/a2a/client/a2a-client.js";
import {
  HANDOFF_EXTENSION_URI,
  findHandoffAccept,
  findHandoffReturn,
  handoffData,
  type HandoffAcceptPayload,
  type HandoffReturnPayload,
  type PreviousResult,
} from "../../src/a2a/handoff-extension.js";
import type { AgentCard } from "../../src/a2a/agent-card.js";

export const TENANT = "acme";
export const USER = "alice";

/** Temporary directories, removed by `cleanup()`. */
export class TempDirs {
  readonly #dirs: string[] = [];

  async make(prefix = "omniforge-examples-"): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), prefix));
    this.#dirs.push(dir);
    return dir;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.#dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** One streamed reply: its text chunks in order, all data parts, and the final task state. */
export interface StreamedReply {
  chunks: string[];
  text: string;
  data: Record<string, unknown>[];
  state: string | undefined;
  /** The text of the last status message (a question, a decline's reason); "" when none had text. */
  statusText: string;
  handoffReturn: HandoffReturnPayload | undefined;
}

/** Sends one message with SendStreamingMessage, as the orchestrator / stream router does. */
export async function streamTurn(
  client: A2AClient,
  card: AgentCard,
  options: {
    text: string;
    threadId: string;
    tenantId?: string;
    userId?: string;
    handoffId?: string;
    previousResults?: PreviousResult[];
  },
): Promise<StreamedReply> {
  const chunks: string[] = [];
  const data: Record<string, unknown>[] = [];
  let state: string | undefined;
  let statusText = "";
  const omniforge = {
    tenantId: options.tenantId ?? TENANT,
    userId: options.userId ?? USER,
    threadId: options.threadId,
    ...(options.handoffId ? { handoffId: options.handoffId } : {}),
  };
  for await (const event of client.sendStreamingMessage(card, {
    text: options.text,
    contextId: options.threadId,
    metadata: { omniforge },
    ...(options.handoffId ? { extensions: [HANDOFF_EXTENSION_URI] } : {}),
    ...(options.previousResults ? { data: [handoffData.previousResults(options.previousResults)] } : {}),
  })) {
    if (event.type === "artifact") {
      if (event.text !== "") chunks.push(event.text);
      data.push(...event.data);
    } else if (event.type === "status" || event.type === "task") {
      state = event.state;
      if (event.type === "status" && event.text !== "") statusText = event.text;
    } else {
      if (event.text !== "") chunks.push(event.text);
      data.push(...event.data);
    }
  }
  return {
    chunks,
    text: chunks.join(""),
    data,
    state,
    statusText,
    handoffReturn: findHandoffReturn(data),
  };
}

/** Sends a handoffRequest exactly as HandoffManager does and returns the agent's answer. */
export async function requestHandoff(
  client: A2AClient,
  card: AgentCard,
  options: { threadId: string; handoffId?: string; contextSummary: string; tenantId?: string },
): Promise<{ handoffId: string; accept: HandoffAcceptPayload | undefined }> {
  const handoffId = options.handoffId ?? randomUUID();
  const tenantId = options.tenantId ?? TENANT;
  const result = await client.sendMessage(card, {
    data: [
      handoffData.request({
        handoffId,
        threadId: options.threadId,
        tenantId,
        userId: USER,
        sourceAgentId: "main-chatbot",
        contextSummary: options.contextSummary,
        handoffReason: "skill_creation_workflow",
        recentMessages: [{ role: "user", content: "I want a skill" }],
      }),
    ],
    contextId: options.threadId,
    metadata: { omniforge: { tenantId, userId: USER, threadId: options.threadId } },
    extensions: [HANDOFF_EXTENSION_URI],
  });
  return { handoffId, accept: findHandoffAccept(result.data) };
}

/** How many questions a reply asks. */
export function questionCount(text: string): number {
  return (text.match(/\?/g) ?? []).length;
}
