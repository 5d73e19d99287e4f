import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { z } from "zod";
import { StorageError, ThreadAccessError } from "../../errors.js";
import type { Database } from "../database.js";
import type { ConversationsTable, MessagesTable } from "../schema.js";
import { SqlAgentCallAudit } from "./sql-agent-call-audit.js";
import { SqlHandoffStore } from "./sql-handoff-store.js";
import { SqlOpenTaskStore } from "./sql-open-task-store.js";
import { SqlTurnTimelineStore } from "./sql-turn-timeline-store.js";
import { parseJsonObject, timestamp } from "./sql-values.js";
import type { OrchestrationStores } from "../../orchestration/stores.js";
import {
  LIMITS,
  boundedText,
  enumSchema,
  identifierSchema,
  limitSchema,
  metadataSchema,
  offsetSchema,
  parseInput,
  uuidSchema,
} from "../../validation.js";
import type {
  AddMessageOptions,
  ConversationRef,
  ConversationRepository,
  CreateConversationOptions,
  GetMessagesOptions,
  GetRecentMessagesOptions,
  ListConversationsOptions,
  UpdateConversationOptions,
  UpdateStateOptions,
} from "../../conversation/conversation-repository.js";
import { ConversationType, MessageRole, type Conversation, type Message } from "../../conversation/models.js";

const conversationTypeSchema = enumSchema(Object.values(ConversationType));
const roleSchema = enumSchema(Object.values(MessageRole));
const titleSchema = z
  .string({ error: "must be a string" })
  .max(LIMITS.titleLength, `must be at most ${LIMITS.titleLength} characters`);

const refSchema = z.object({ conversationId: uuidSchema, tenantId: identifierSchema });

const createSchema = z.object({
  tenantId: identifierSchema,
  userId: identifierSchema,
  title: titleSchema.optional(),
  conversationType: conversationTypeSchema.optional(),
  conversationId: uuidSchema.optional(),
  metadata: metadataSchema.optional(),
  state: metadataSchema.optional(),
});
const listSchema = z.object({
  tenantId: identifierSchema,
  userId: identifierSchema.optional(),
  limit: limitSchema.optional(),
  offset: offsetSchema.optional(),
});
const updateSchema = refSchema.extend({
  title: titleSchema.optional(),
  conversationType: conversationTypeSchema.optional(),
  metadata: metadataSchema.optional(),
});
const updateStateSchema = refSchema.extend({ state: metadataSchema });
const addMessageSchema = refSchema.extend({
  role: roleSchema,
  content: boundedText(LIMITS.storedContentBytes, { allowEmpty: true }),
  agentId: identifierSchema.optional(),
  metadata: metadataSchema.optional(),
});
const getMessagesSchema = refSchema.extend({
  limit: limitSchema.optional(),
  offset: offsetSchema.optional(),
});
const recentSchema = refSchema.extend({
  limit: limitSchema.optional(),
  includeSystem: z.boolean().optional(),
});

/** Default page sizes. */
export const DEFAULT_PAGE_SIZE = 50;
export const DEFAULT_RECENT_MESSAGES = 20;

/**
 * The conversation repository on any SQL backend {@link Database} supports (SQLite, PostgreSQL).
 * Every query filters by tenant.
 */
export class SqlConversationRepository implements ConversationRepository, OrchestrationStores {
  readonly database: Database;

  constructor(database: Database) {
    this.database = database;
  }

  /** Handoff sessions in this repository's database. */
  handoffStore(): SqlHandoffStore {
    return new SqlHandoffStore(this.database);
  }

  /** The agent-call audit trail in this repository's database. */
  agentCallAudit(): SqlAgentCallAudit {
    return new SqlAgentCallAudit(this.database);
  }

  /** Tasks agents left waiting for input, in this repository's database. */
  openTaskStore(): SqlOpenTaskStore {
    return new SqlOpenTaskStore(this.database);
  }

  /** The turn timeline in this repository's database (hand it to `StreamRouter`'s `timeline`). */
  turnTimelineStore(): SqlTurnTimelineStore {
    return new SqlTurnTimelineStore(this.database);
  }

  async createConversation(input: CreateConversationOptions): Promise<Conversation> {
    const value = parseInput(createSchema, input);
    const now = timestamp();
    const row: ConversationsTable = {
      id: value.conversationId ?? randomUUID(),
      tenant_id: value.tenantId,
      user_id: value.userId,
      title: value.title ?? "",
      conversation_type: value.conversationType ?? ConversationType.CHAT,
      state: JSON.stringify(value.state ?? {}),
      metadata: JSON.stringify(value.metadata ?? {}),
      created_at: now,
      updated_at: now,
    };
    try {
      await this.database.db.insertInto("conversations").values(row).execute();
    } catch (error) {
      if (this.database.backend.isUniqueViolation(error)) {
        // Deliberately the same answer whichever tenant owns the id.
        throw new StorageError("ALREADY_EXISTS", `Conversation ${row.id} already exists`, {
          context: { threadId: row.id },
        });
      }
      throw storageFailure("createConversation", error);
    }
    return toConversation(row);
  }

  async getConversation(input: ConversationRef): Promise<Conversation | null> {
    const { conversationId, tenantId } = parseInput(refSchema, input);
    const row = await this.database.db
      .selectFrom("conversations")
      .selectAll()
      .where("id", "=", conversationId)
      .where("tenant_id", "=", tenantId)
      .executeTakeFirst();
    return row ? toConversation(row) : null;
  }

  async listConversations(input: ListConversationsOptions): Promise<Conversation[]> {
    const value = parseInput(listSchema, input);
    let query = this.database.db
      .selectFrom("conversations")
      .selectAll()
      .where("tenant_id", "=", value.tenantId);
    if (value.userId !== undefined) query = query.where("user_id", "=", value.userId);
    const rows = await query
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(value.limit ?? DEFAULT_PAGE_SIZE)
      .offset(value.offset ?? 0)
      .execute();
    return rows.map(toConversation);
  }

  async updateConversation(input: UpdateConversationOptions): Promise<Conversation> {
    const value = parseInput(updateSchema, input);
    const changes: Partial<ConversationsTable> = { updated_at: timestamp() };
    if (value.title !== undefined) changes.title = value.title;
    if (value.conversationType !== undefined) changes.conversation_type = value.conversationType;
    if (value.metadata !== undefined) changes.metadata = JSON.stringify(value.metadata);
    return this.#update(value, changes);
  }

  async updateState(input: UpdateStateOptions): Promise<Conversation> {
    const value = parseInput(updateStateSchema, input);
    return this.#update(value, { state: JSON.stringify(value.state), updated_at: timestamp() });
  }

  async addMessage(input: AddMessageOptions): Promise<Message> {
    const value = parseInput(addMessageSchema, input);
    const row: Omit<MessagesTable, "seq"> = {
      id: randomUUID(),
      conversation_id: value.conversationId,
      tenant_id: value.tenantId,
      role: value.role,
      // PostgreSQL text cannot hold NUL; every backend stores the same thing.
      content: value.content.replaceAll("\u0000", "\uFFFD"),
      agent_id: value.agentId ?? null,
      metadata: JSON.stringify(value.metadata ?? {}),
      created_at: timestamp(),
    };
    // One statement stores the message only if the thread is this tenant's: no transaction,
    // no separate ownership read (this is the router's hot path).
    const db = this.database.db;
    const [inserted] = await Promise.all([
      db
        .insertInto("messages")
        .columns([
          "id",
          "conversation_id",
          "tenant_id",
          "role",
          "content",
          "agent_id",
          "metadata",
          "created_at",
        ])
        .expression(
          db
            .selectFrom("conversations")
            .select([
              sql<string>`${row.id}`.as("id"),
              "id as conversation_id",
              "tenant_id",
              sql<string>`${row.role}`.as("role"),
              sql<string>`${row.content}`.as("content"),
              sql<string | null>`${row.agent_id}`.as("agent_id"),
              sql<string>`${row.metadata}`.as("metadata"),
              sql<string>`${row.created_at}`.as("created_at"),
            ])
            .where("id", "=", value.conversationId)
            .where("tenant_id", "=", value.tenantId),
        )
        .executeTakeFirst(),
      // The thread's last-activity time; harmless (0 rows) when the thread is not the caller's.
      db
        .updateTable("conversations")
        .set({ updated_at: row.created_at })
        .where("id", "=", value.conversationId)
        .where("tenant_id", "=", value.tenantId)
        .execute(),
    ]);
    if (Number(inserted?.numInsertedOrUpdatedRows ?? 0) === 0)
      throw new ThreadAccessError(value.conversationId);
    return toMessage(row);
  }

  async getMessages(input: GetMessagesOptions): Promise<Message[]> {
    const value = parseInput(getMessagesSchema, input);
    const rows = await this.database.db
      .selectFrom("messages")
      .selectAll()
      .where("tenant_id", "=", value.tenantId)
      .where("conversation_id", "=", value.conversationId)
      .orderBy("seq", "asc")
      .limit(value.limit ?? DEFAULT_PAGE_SIZE)
      .offset(value.offset ?? 0)
      .execute();
    return rows.map(toMessage);
  }

  async getRecentMessages(input: GetRecentMessagesOptions): Promise<Message[]> {
    const value = parseInput(recentSchema, input);
    let query = this.database.db
      .selectFrom("messages")
      .selectAll()
      .where("tenant_id", "=", value.tenantId)
      .where("conversation_id", "=", value.conversationId);
    if (value.includeSystem === false) query = query.where("role", "!=", MessageRole.SYSTEM);
    const rows = await query
      .orderBy("seq", "desc")
      .limit(value.limit ?? DEFAULT_RECENT_MESSAGES)
      .execute();
    return rows.reverse().map(toMessage);
  }

  async #update(ref: { conversationId: string; tenantId: string }, changes: Partial<ConversationsTable>) {
    const row = await this.database.transaction(async (trx) => {
      const result = await trx
        .updateTable("conversations")
        .set(changes)
        .where("id", "=", ref.conversationId)
        .where("tenant_id", "=", ref.tenantId)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw new ThreadAccessError(ref.conversationId);
      return trx
        .selectFrom("conversations")
        .selectAll()
        .where("id", "=", ref.conversationId)
        .where("tenant_id", "=", ref.tenantId)
        .executeTakeFirstOrThrow();
    });
    return toConversation(row);
  }
}

/** The seed's name for the repository; works on every backend, not only SQLite. */
export class SqliteConversationRepository extends SqlConversationRepository {}

function toConversation(row: ConversationsTable): Conversation {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    title: row.title,
    conversationType: row.conversation_type as ConversationType,
    state: parseJsonObject(row.state),
    metadata: parseJsonObject(row.metadata),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function toMessage(row: Omit<MessagesTable, "seq">): Message {
  const message: Message = {
    id: row.id,
    conversationId: row.conversation_id,
    tenantId: row.tenant_id,
    role: row.role as MessageRole,
    content: row.content,
    metadata: parseJsonObject(row.metadata),
    createdAt: new Date(row.created_at),
  };
  if (row.agent_id !== null) message.agentId = row.agent_id;
  return message;
}

export function storageFailure(operation: string, error: unknown): StorageError {
  return new StorageError(
    "STORAGE_ERROR",
    `${operation} failed: ${error instanceof Error ? error.message : String(error)}`,
    {
      cause: error,
    },
  );
}
