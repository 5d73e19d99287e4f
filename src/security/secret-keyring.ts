/**
 * Encryption at rest for agent credentials: AES-256-GCM from `node:crypto`, with a keyring so keys
 * can rotate. Each ciphertext is stored beside the id of the key that sealed it; new secrets are
 * sealed with the first (current) key, and older keys stay in the ring only to open what they
 * sealed until it is re-encrypted (`omniforge secrets rotate`).
 *
 * Keys come from `OMNIFORGE_SECRET_KEY` or the file named by `OMNIFORGE_SECRET_KEY_FILE`: one or
 * more keys separated by commas or newlines, newest first, each 32 random bytes in base64 or hex,
 * optionally prefixed with an id (`2026-11:BASE64...`). Without an explicit id a key is known by a
 * fingerprint of itself. Generate one with `omniforge secrets generate`.
 *
 * Every ciphertext is bound to where it is stored (associated data such as
 * `agent:<tenant>:<agentId>`), so a sealed credential copied to another row or tenant does not open.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigurationError, ErrorCode, StorageError } from "../errors.js";

/** Environment variable holding the key(s). */
export const SECRET_KEY_ENV = "OMNIFORGE_SECRET_KEY";
/** Environment variable naming a file that holds the key(s). */
export const SECRET_KEY_FILE_ENV = "OMNIFORGE_SECRET_KEY_FILE";

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = "v1";

/** A sealed secret as stored: the key id beside the ciphertext. */
export interface SealedSecret {
  keyId: string;
  /** `v1.<iv>.<ciphertext>.<tag>`, base64url parts. */
  ciphertext: string;
}

interface RingKey {
  id: string;
  key: Buffer;
}

/**
 * A set of AES-256-GCM keys, the first one current.
 *
 * ```ts
 * const keyring = SecretKeyring.fromEnvironment(); // undefined when no key is configured
 * const sealed = keyring.seal(JSON.stringify(auth), "agent:acme:billing");
 * keyring.open(sealed, "agent:acme:billing");
 * ```
 */
export class SecretKeyring {
  /** The keyring configured by `OMNIFORGE_SECRET_KEY` or `OMNIFORGE_SECRET_KEY_FILE`, if any. */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): SecretKeyring | undefined {
    const inline = env[SECRET_KEY_ENV]?.trim();
    const file = env[SECRET_KEY_FILE_ENV]?.trim();
    if (inline && file) {
      throw new ConfigurationError(`Set ${SECRET_KEY_ENV} or ${SECRET_KEY_FILE_ENV}, not both`, {
        context: { field: SECRET_KEY_ENV },
      });
    }
    if (inline) return SecretKeyring.parse(inline, SECRET_KEY_ENV);
    if (file) return SecretKeyring.fromFile(file);
    return undefined;
  }

  /** Reads a keyring from a file (see the module doc for the format). */
  static fromFile(path: string): SecretKeyring {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new ConfigurationError(`The secret key file cannot be read: ${(error as Error).message}`, {
        cause: error,
        context: { field: SECRET_KEY_FILE_ENV },
      });
    }
    return SecretKeyring.parse(text, SECRET_KEY_FILE_ENV);
  }

  /** Parses `[id:]key` entries separated by commas or newlines, newest first. */
  static parse(text: string, field = "secretKey"): SecretKeyring {
    const entries = text
      .split(/[,\n]/)
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "" && !entry.startsWith("#"));
    if (entries.length === 0) {
      throw new ConfigurationError(`${field} holds no key`, { context: { field } });
    }
    return new SecretKeyring(entries.map((entry, index) => parseKey(entry, `${field}[${index}]`)));
  }

  /** A new random key, base64-encoded: what `OMNIFORGE_SECRET_KEY` expects. */
  static generateKey(): string {
    return randomBytes(KEY_BYTES).toString("base64");
  }

  readonly #keys: readonly RingKey[];
  readonly #byId: ReadonlyMap<string, Buffer>;

  constructor(keys: ReadonlyArray<{ id: string; key: Uint8Array }>) {
    if (keys.length === 0) throw new ConfigurationError("a keyring needs at least one key");
    const byId = new Map<string, Buffer>();
    for (const { id, key } of keys) {
      if (key.length !== KEY_BYTES) {
        throw new ConfigurationError(`secret key "${id}" must be ${KEY_BYTES} bytes`, {
          context: { field: "secretKey" },
        });
      }
      if (byId.has(id)) {
        throw new ConfigurationError(`secret key id "${id}" appears twice`, {
          context: { field: "secretKey" },
        });
      }
      byId.set(id, Buffer.from(key));
    }
    this.#keys = keys.map(({ id }) => ({ id, key: byId.get(id)! }));
    this.#byId = byId;
  }

  /** The id of the key new secrets are sealed with. */
  get currentKeyId(): string {
    return this.#keys[0]!.id;
  }

  /** Every key id in the ring, current first. */
  get keyIds(): string[] {
    return this.#keys.map((k) => k.id);
  }

  /** True when `keyId` can be opened with this ring. */
  has(keyId: string): boolean {
    return this.#byId.has(keyId);
  }

  /** Seals `plaintext`, bound to `associatedData` (where it will be stored). */
  seal(plaintext: string, associatedData: string): SealedSecret {
    const { id, key } = this.#keys[0]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(Buffer.from(associatedData, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return { keyId: id, ciphertext: [FORMAT, b64(iv), b64(body), b64(tag)].join(".") };
  }

  /**
   * Opens a sealed secret. An unknown key id is a ConfigurationError (the ring lacks that key); a
   * ciphertext that does not open (tampered, or moved to another row) is a StorageError.
   */
  open(sealed: SealedSecret, associatedData: string): string {
    const key = this.#byId.get(sealed.keyId);
    if (key === undefined) {
      throw new ConfigurationError(
        `A stored secret is sealed with key "${sealed.keyId}", which the configured keyring does not hold`,
        { context: { field: SECRET_KEY_ENV, keyId: sealed.keyId } },
      );
    }
    const parts = sealed.ciphertext.split(".");
    const unreadable = (cause?: unknown) =>
      new StorageError(
        ErrorCode.STORAGE_ERROR,
        "A stored secret cannot be decrypted (tampered or misplaced)",
        {
          cause,
          context: { keyId: sealed.keyId },
        },
      );
    if (parts.length !== 4 || parts[0] !== FORMAT) throw unreadable();
    try {
      const iv = Buffer.from(parts[1]!, "base64url");
      const body = Buffer.from(parts[2]!, "base64url");
      const tag = Buffer.from(parts[3]!, "base64url");
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error("bad lengths");
      const decipher = createDecipheriv("aes-256-gcm", key, iv);
      decipher.setAAD(Buffer.from(associatedData, "utf8"));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
    } catch (error) {
      throw unreadable(error);
    }
  }

  /** True when `sealed` was sealed with an older key and should be re-sealed with the current one. */
  isStale(sealed: SealedSecret): boolean {
    return sealed.keyId !== this.currentKeyId;
  }
}

function parseKey(entry: string, field: string): RingKey {
  const colon = entry.indexOf(":");
  const id = colon === -1 ? undefined : entry.slice(0, colon).trim();
  const material = colon === -1 ? entry : entry.slice(colon + 1).trim();
  const key = decodeKey(material);
  if (key === undefined) {
    throw new ConfigurationError(
      `${field}: a key must be ${KEY_BYTES} random bytes in base64 or hex (generate one with \`omniforge secrets generate\`)`,
      { context: { field } },
    );
  }
  if (id !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
    throw new ConfigurationError(
      `${field}: a key id may hold letters, digits, '.', '_' and '-' (at most 64)`,
      {
        context: { field },
      },
    );
  }
  return { id: id ?? fingerprint(key), key };
}

function decodeKey(material: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(material)) return Buffer.from(material, "hex");
  if (/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(material)) {
    const key = Buffer.from(material.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (key.length === KEY_BYTES) return key;
  }
  return undefined;
}

/** A key's id when none is given: 12 hex characters of a hash of it (not reversible). */
function fingerprint(key: Buffer): string {
  return `k${createHash("sha256").update("omniforge-key-id\u0000").update(key).digest("hex").slice(0, 11)}`;
}

function b64(buffer: Buffer): string {
  return buffer.toString("base64url");
}
