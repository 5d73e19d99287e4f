/**
 * API keys for the HTTP gateway: each key maps to one tenant, user and role. The secret is shown
 * once, at creation; the database keeps only its SHA-256, so a leaked table leaks no usable keys.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Database } from "../storage/database.js";
import type { ApiKeysTable } from "../storage/schema.js";
import { identifierSchema, parseInput, uuidSchema } from "../validation.js";
import { Role, roleSchema } from "./rbac.js";

/** Every key starts with this, so secret scanners and humans can recognise one. */
export const API_KEY_PREFIX = "of_";
/** How many characters of a key listings show. */
export const API_KEY_DISPLAY_PREFIX_LENGTH = 10;
/** `last_used_at` is written at most this often per key, so authentication is not a write per request. */
export const API_KEY_LAST_USED_RESOLUTION_MS = 60_000;

const SECRET_BYTES = 32;
/** `of_` + 32 bytes in base64url (43 characters, no padding). */
const KEY_PATTERN = /^of_[A-Za-z0-9_-]{43}$/;

/** Who a verified key speaks for. */
export interface ApiKeyPrincipal {
  keyId: string;
  tenantId: string;
  userId: string;
  role: Role;
}

/** A key as listings show it: never the secret, never its hash. */
export interface ApiKeyInfo {
  id: string;
  tenantId: string;
  userId: string;
  role: Role;
  name: string;
  /** The first characters of the key, to recognise it. */
  prefix: string;
  createdAt: Date;
  revokedAt?: Date;
  lastUsedAt?: Date;
}

/** A newly created key: `key` is the secret, returned this once and never again. */
export interface CreatedApiKey extends ApiKeyInfo {
  key: string;
}

/** Input of {@link ApiKeyService.create}. */
export interface CreateApiKeyOptions {
  tenantId: string;
  userId: string;
  role: Role;
  /** A label for humans ("CI deploy key"). */
  name: string;
}

const createSchema = z.object({
  tenantId: identifierSchema,
  userId: identifierSchema,
  role: roleSchema,
  name: z
    .string({ error: "must be a string" })
    .trim()
    .min(1, "must not be empty")
    .max(256, "must be at most 256 characters"),
});
const listSchema = z.object({ tenantId: identifierSchema });
const revokeSchema = z.object({ id: uuidSchema, tenantId: identifierSchema });

/**
 * Creates, lists, revokes and verifies gateway API keys over the `api_keys` table.
 *
 * ```ts
 * const keys = new ApiKeyService(database);
 * const { key } = await keys.create({ tenantId: "acme", userId: "alice", role: Role.OPERATOR, name: "cli" });
 * const principal = await keys.verify(key); // { keyId, tenantId, userId, role } or null
 * ```
 */
export class ApiKeyService {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  /** Creates a key. The returned `key` is the only copy of the secret. */
  async create(input: CreateApiKeyOptions): Promise<CreatedApiKey> {
    const value = parseInput(createSchema, input);
    const key = `${API_KEY_PREFIX}${randomBytes(SECRET_BYTES).toString("base64url")}`;
    const row: ApiKeysTable = {
      id: randomUUID(),
      tenant_id: value.tenantId,
      user_id: value.userId,
      role: value.role,
      name: value.name,
      key_hash: hashKey(key),
      prefix: key.slice(0, API_KEY_DISPLAY_PREFIX_LENGTH),
      created_at: new Date().toISOString(),
      revoked_at: null,
      last_used_at: null,
    };
    await this.#database.db.insertInto("api_keys").values(row).execute();
    return { ...toInfo(row), key };
  }

  /** The tenant's keys, newest first, revoked ones included (with `revokedAt`). */
  async list(input: { tenantId: string }): Promise<ApiKeyInfo[]> {
    const { tenantId } = parseInput(listSchema, input);
    const rows = await this.#database.db
      .selectFrom("api_keys")
      .select([
        "id",
        "tenant_id",
        "user_id",
        "role",
        "name",
        "prefix",
        "created_at",
        "revoked_at",
        "last_used_at",
      ])
      .where("tenant_id", "=", tenantId)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .execute();
    return rows.map(toInfo);
  }

  /** Revokes the key; true when this call revoked it (false: unknown, another tenant's, or already revoked). */
  async revoke(input: { id: string; tenantId: string }): Promise<boolean> {
    const { id, tenantId } = parseInput(revokeSchema, input);
    const result = await this.#database.db
      .updateTable("api_keys")
      .set({ revoked_at: new Date().toISOString() })
      .where("id", "=", id)
      .where("tenant_id", "=", tenantId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * The principal a key speaks for, or null when the key is malformed, unknown or revoked. Marks
   * the key as used (at most once per {@link API_KEY_LAST_USED_RESOLUTION_MS}).
   */
  async verify(key: unknown): Promise<ApiKeyPrincipal | null> {
    // Malformed input never reaches the database.
    if (typeof key !== "string" || !KEY_PATTERN.test(key)) return null;
    const hash = hashKey(key);
    const row = await this.#database.db
      .selectFrom("api_keys")
      .select(["id", "tenant_id", "user_id", "role", "key_hash", "revoked_at", "last_used_at"])
      .where("key_hash", "=", hash)
      .executeTakeFirst();
    // The lookup is by hash, so its timing says nothing about the secret; the compare is belt and braces.
    if (row === undefined || !sameHash(row.key_hash, hash) || row.revoked_at !== null) return null;
    if (!isRole(row.role)) return null;
    await this.#touch(row.id, row.last_used_at);
    return { keyId: row.id, tenantId: row.tenant_id, userId: row.user_id, role: row.role };
  }

  async #touch(id: string, lastUsedAt: string | null): Promise<void> {
    const now = Date.now();
    if (lastUsedAt !== null && now - Date.parse(lastUsedAt) < API_KEY_LAST_USED_RESOLUTION_MS) return;
    try {
      await this.#database.db
        .updateTable("api_keys")
        .set({ last_used_at: new Date(now).toISOString() })
        .where("id", "=", id)
        .execute();
    } catch {
      // Bookkeeping only: a busy database must not turn a valid key into a failed request.
    }
  }
}

/** SHA-256 of a key, hex: what the database stores. */
export function hashKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

function isRole(value: string): value is Role {
  return (Object.values(Role) as string[]).includes(value);
}

function toInfo(
  row: Pick<
    ApiKeysTable,
    "id" | "tenant_id" | "user_id" | "role" | "name" | "prefix" | "created_at" | "revoked_at" | "last_used_at"
  >,
): ApiKeyInfo {
  const info: ApiKeyInfo = {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    role: row.role as Role,
    name: row.name,
    prefix: row.prefix,
    createdAt: new Date(row.created_at),
  };
  if (row.revoked_at !== null) info.revokedAt = new Date(row.revoked_at);
  if (row.last_used_at !== null) info.lastUsedAt = new Date(row.last_used_at);
  return info;
}
