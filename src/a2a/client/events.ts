/**
 * Shapes on the wire -> the client's typed results and events. Every transport hands its replies
 * over as v1.0 ProtoJSON (the SDK's transports via its codecs' `toJSON`), so one set of cheap
 * structural readers serves every binding and version.
 */
import { randomUUID } from "node:crypto";
import { AgentError, ErrorCode, ValidationError } from "../../errors.js";
import {
  isFailedTaskState,
  isObject,
  protocolError,
  readArtifact,
  readContent,
  readMessage,
  readStatus,
  readTask,
  readTaskContent,
  type WireErrorContext,
  type WireMessage,
  type WirePart,
  type WireTask,
} from "../wire.js";
import type { A2AStreamEvent, OutgoingMessage, SendResult, TaskSnapshot } from "./types.js";

const JSON_TYPE = "application/json";

/** Validates an outgoing message and builds its v1.0 wire form. */
export function buildWireMessage(message: OutgoingMessage): WireMessage {
  if (message === null || typeof message !== "object")
    throw new ValidationError("message", "must be an object");
  const parts: WirePart[] = [];
  if (message.text !== undefined) {
    if (typeof message.text !== "string") throw new ValidationError("message.text", "must be a string");
    if (message.text !== "") parts.push({ text: message.text, mediaType: "text/plain" });
  }
  if (message.data !== undefined) {
    if (!Array.isArray(message.data))
      throw new ValidationError("message.data", "must be an array of objects");
    message.data.forEach((entry, index) => {
      if (!isObject(entry)) throw new ValidationError(`message.data[${index}]`, "must be an object");
      parts.push({ data: entry, mediaType: JSON_TYPE });
    });
  }
  if (parts.length === 0) throw new ValidationError("message", "must have text or data");
  const wire: WireMessage = { messageId: message.messageId ?? randomUUID(), role: "ROLE_USER", parts };
  if (message.contextId) wire.contextId = message.contextId;
  if (message.taskId) wire.taskId = message.taskId;
  if (message.metadata !== undefined) wire.metadata = message.metadata;
  if (message.extensions !== undefined && message.extensions.length > 0) wire.extensions = message.extensions;
  return wire;
}

export function parseJson(text: string, what: string, ctx: WireErrorContext): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw protocolError(`${what} is not valid JSON`, ctx, error);
  }
}

export function taskFailed(task: WireTask, text: string, ctx: WireErrorContext): AgentError {
  const detail = readContent(task.status.message?.parts, ctx).text || text;
  return new AgentError(
    ErrorCode.AGENT_TASK_FAILED,
    `Agent ${ctx.agentId} task ${task.id} ended ${task.status.state}${detail ? `: ${detail.slice(0, 1_000)}` : ""}`,
    {
      context: {
        agentId: ctx.agentId,
        taskId: task.id,
        state: task.status.state,
        ...(detail ? { detail: detail.slice(0, 1_000) } : {}),
      },
    },
  );
}

export function toSendResult(result: unknown, ctx: WireErrorContext): SendResult {
  if (!isObject(result)) throw protocolError("SendMessage result is not an object", ctx);
  if (result.task !== undefined) {
    const task = readTask(result.task, ctx);
    const content = readTaskContent(task, ctx);
    if (isFailedTaskState(task.status.state)) throw taskFailed(task, content.text, ctx);
    return {
      kind: "task",
      taskId: task.id,
      contextId: task.contextId,
      state: task.status.state,
      text: content.text,
      data: content.data,
      raw: task,
    };
  }
  if (result.message !== undefined) {
    const message = readMessage(result.message, ctx);
    const content = readContent(message.parts, ctx);
    return {
      kind: "message",
      ...(message.taskId ? { taskId: message.taskId } : {}),
      ...(message.contextId ? { contextId: message.contextId } : {}),
      text: content.text,
      data: content.data,
      raw: message,
    };
  }
  throw protocolError("SendMessage result has neither task nor message", ctx);
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** Maps one `StreamResponse` to events (a task snapshot may carry artifacts and a status message). */
export function toStreamEvents(result: unknown, ctx: WireErrorContext): A2AStreamEvent[] {
  if (!isObject(result)) throw protocolError("stream event is not an object", ctx);
  const artifactUpdate = result.artifactUpdate;
  if (artifactUpdate !== undefined) {
    if (!isObject(artifactUpdate)) throw protocolError("artifactUpdate is not an object", ctx);
    const artifact = readArtifact(artifactUpdate.artifact, ctx);
    const content = readContent(artifact.parts, ctx);
    return [
      {
        type: "artifact",
        taskId: str(artifactUpdate.taskId),
        contextId: str(artifactUpdate.contextId),
        artifactId: str(artifact.artifactId),
        text: content.text,
        data: content.data,
        append: artifactUpdate.append === true,
        lastChunk: artifactUpdate.lastChunk === true,
      },
    ];
  }
  const statusUpdate = result.statusUpdate;
  if (statusUpdate !== undefined) {
    if (!isObject(statusUpdate)) throw protocolError("statusUpdate is not an object", ctx);
    const status = readStatus(statusUpdate.status, ctx);
    const content = readContent(status.message?.parts, ctx);
    return [
      {
        type: "status",
        taskId: str(statusUpdate.taskId),
        contextId: str(statusUpdate.contextId),
        state: status.state,
        text: content.text,
        data: content.data,
      },
    ];
  }
  if (result.task !== undefined) return taskSnapshotEvents(readTask(result.task, ctx), ctx);
  if (result.message !== undefined) {
    const message = readMessage(result.message, ctx);
    const content = readContent(message.parts, ctx);
    return [
      {
        type: "message",
        messageId: message.messageId,
        ...(message.contextId ? { contextId: message.contextId } : {}),
        ...(message.taskId ? { taskId: message.taskId } : {}),
        text: content.text,
        data: content.data,
      },
    ];
  }
  throw protocolError("unknown stream event", ctx);
}

/** A task announced in a stream: the task, then its artifacts and status message as a snapshot. */
function taskSnapshotEvents(task: WireTask, ctx: WireErrorContext): A2AStreamEvent[] {
  const events: A2AStreamEvent[] = [
    { type: "task", taskId: task.id, contextId: task.contextId, state: task.status.state },
  ];
  for (const entry of task.artifacts ?? []) {
    const artifact = readArtifact(entry, ctx);
    const content = readContent(artifact.parts, ctx);
    events.push({
      type: "artifact",
      taskId: task.id,
      contextId: task.contextId,
      artifactId: str(artifact.artifactId),
      text: content.text,
      data: content.data,
      append: false,
      lastChunk: true,
      snapshot: true,
    });
  }
  if (task.status.message !== undefined) {
    const content = readContent(task.status.message.parts, ctx);
    events.push({
      type: "status",
      taskId: task.id,
      contextId: task.contextId,
      state: task.status.state,
      text: content.text,
      data: content.data,
      snapshot: true,
    });
  }
  return events;
}

/** A task read with GetTask (or a snapshot in a stream) as a {@link TaskSnapshot}. */
export function toTaskSnapshot(value: unknown, ctx: WireErrorContext): TaskSnapshot {
  const task = readTask(value, ctx);
  const content = readTaskContent(task, ctx);
  return {
    taskId: task.id,
    contextId: task.contextId,
    state: task.status.state,
    text: content.text,
    data: content.data,
    statusText: readContent(task.status.message?.parts, ctx).text,
    raw: task,
  };
}
