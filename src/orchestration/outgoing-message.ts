/**
 * The one way a message to an agent is built — for delegation, routing and handoffs alike: the
 * thread as `contextId`, OmniForge's metadata (tenant, user, thread, handoff), and every free-text
 * field passed through the sanitizer unless the call opts out.
 */
import type { OutgoingMessage } from "../a2a/client/types.js";
import { withOmniforgeMetadata, type DataObject } from "../a2a/handoff-extension.js";
import type { ContextSanitizer } from "../security/sanitizer/index.js";

/** What goes into one outgoing message. */
export interface OutgoingMessageParts {
  threadId: string;
  tenantId: string;
  userId: string;
  handoffId?: string;
  text?: string;
  /** Data parts; sanitized (every string in them) like the text. */
  data?: readonly DataObject[];
  /** Data parts already built from sanitized fields (the handoff extension's), sent as they are. */
  protocolData?: readonly DataObject[];
  /** The caller's own metadata; OmniForge's `omniforge` entry is merged over its `omniforge`. */
  metadata?: Record<string, unknown>;
  extensions?: readonly string[];
  /** Continues this task of the agent's. */
  taskId?: string;
}

/** The message for `parts`; `sanitizer` undefined sends text and data as they are. */
export function buildOutgoingMessage(
  parts: OutgoingMessageParts,
  sanitizer: ContextSanitizer | undefined,
): OutgoingMessage {
  const { threadId, tenantId, userId, handoffId } = parts;
  const message: OutgoingMessage = {
    contextId: threadId,
    metadata: withOmniforgeMetadata(
      {
        ...omniforgeMeta(parts.metadata),
        tenantId,
        userId,
        threadId,
        ...(handoffId !== undefined ? { handoffId } : {}),
      },
      parts.metadata,
    ),
  };
  if (parts.text !== undefined) message.text = sanitizer ? sanitizer.sanitize(parts.text) : parts.text;
  const data = [
    ...(parts.data ?? []).map((d) => (sanitizer ? (sanitizer.sanitizeValue(d) as DataObject) : d)),
    ...(parts.protocolData ?? []),
  ];
  if (data.length > 0) message.data = data;
  if (parts.extensions) message.extensions = [...parts.extensions];
  if (parts.taskId !== undefined) message.taskId = parts.taskId;
  return message;
}

function omniforgeMeta(metadata: Record<string, unknown> | undefined): Record<string, unknown> {
  const value = metadata?.omniforge;
  return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
}
