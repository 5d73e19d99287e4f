import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigurationError, StorageError } from "../../src/errors.js";
import { SecretKeyring } from "../../src/security/secret-keyring.js";

const KEY_A = Buffer.alloc(32, 1).toString("base64");
const KEY_B = Buffer.alloc(32, 2).toString("hex");

describe("SecretKeyring", () => {
  const dir = mkdtempSync(join(tmpdir(), "omniforge-keys-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("seals with AES-256-GCM: the ciphertext hides the secret and opens only where it was sealed for", () => {
    const ring = SecretKeyring.parse(KEY_A);
    const sealed = ring.seal('{"type":"bearer","token":"tenant-secret"}', "agent:acme:billing");
    expect(sealed.keyId).toBe(ring.currentKeyId);
    expect(sealed.ciphertext).not.toContain("tenant-secret");
    expect(sealed.ciphertext.startsWith("v1.")).toBe(true);
    expect(ring.open(sealed, "agent:acme:billing")).toBe('{"type":"bearer","token":"tenant-secret"}');
    // Moved to another tenant's row: it does not open.
    expect(() => ring.open(sealed, "agent:globex:billing")).toThrow(StorageError);
  });

  it("two seals of one secret differ (random IV) and a tampered ciphertext does not open", () => {
    const ring = SecretKeyring.parse(KEY_A);
    const one = ring.seal("s3cret", "x");
    const two = ring.seal("s3cret", "x");
    expect(one.ciphertext).not.toBe(two.ciphertext);
    const parts = one.ciphertext.split(".");
    const body = Buffer.from(parts[2]!, "base64url");
    body[0] = body[0]! ^ 1;
    parts[2] = body.toString("base64url");
    expect(() => ring.open({ ...one, ciphertext: parts.join(".") }, "x")).toThrow(StorageError);
    expect(() => ring.open({ ...one, ciphertext: "v1.garbage" }, "x")).toThrow(StorageError);
  });

  it("rotates: the newest key seals, older keys still open what they sealed", () => {
    const old = SecretKeyring.parse(`2025:${KEY_A}`);
    const sealedOld = old.seal("hello", "ctx");
    const rotated = SecretKeyring.parse(`2026:${KEY_B},2025:${KEY_A}`);
    expect(rotated.currentKeyId).toBe("2026");
    expect(rotated.keyIds).toEqual(["2026", "2025"]);
    expect(rotated.open(sealedOld, "ctx")).toBe("hello");
    expect(rotated.isStale(sealedOld)).toBe(true);
    expect(rotated.seal("hello", "ctx").keyId).toBe("2026");
    // A ring without the old key says which key is missing.
    expect(() => SecretKeyring.parse(`2026:${KEY_B}`).open(sealedOld, "ctx")).toThrow(/"2025"/);
  });

  it("derives a stable id from the key itself when none is given, never the key", () => {
    const one = SecretKeyring.parse(KEY_A);
    const two = SecretKeyring.parse(KEY_A);
    expect(one.currentKeyId).toBe(two.currentKeyId);
    expect(one.currentKeyId).toMatch(/^k[0-9a-f]{11}$/);
    expect(SecretKeyring.parse(KEY_B).currentKeyId).not.toBe(one.currentKeyId);
  });

  it("reads OMNIFORGE_SECRET_KEY or a key file, and refuses what is not a 32-byte key", () => {
    expect(SecretKeyring.fromEnvironment({})).toBeUndefined();
    expect(SecretKeyring.fromEnvironment({ OMNIFORGE_SECRET_KEY: KEY_A })?.keyIds).toHaveLength(1);
    const file = join(dir, "secret.key");
    writeFileSync(file, `# newest first\nnew:${KEY_B}\nold:${KEY_A}\n`);
    expect(SecretKeyring.fromEnvironment({ OMNIFORGE_SECRET_KEY_FILE: file })?.keyIds).toEqual([
      "new",
      "old",
    ]);
    expect(() =>
      SecretKeyring.fromEnvironment({ OMNIFORGE_SECRET_KEY: KEY_A, OMNIFORGE_SECRET_KEY_FILE: file }),
    ).toThrow(ConfigurationError);
    for (const bad of ["short", Buffer.alloc(16).toString("base64"), `id with space:${KEY_A}`, ","]) {
      expect(() => SecretKeyring.parse(bad)).toThrow(ConfigurationError);
    }
    expect(() => SecretKeyring.fromFile(join(dir, "missing.key"))).toThrow(ConfigurationError);
    expect(SecretKeyring.parse(SecretKeyring.generateKey()).keyIds).toHaveLength(1);
  });
});
