/**
 * The CLI's secret key: `OMNIFORGE_SECRET_KEY` / `OMNIFORGE_SECRET_KEY_FILE` when set; otherwise a
 * key file in the work directory, created on first use (mode 0600). Several replicas must share
 * one key: set the variable (or mount the same file) on each.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { SecretKeyring } from "../security/secret-keyring.js";

export const KEY_FILE_NAME = "secret.key";

export function loadSecretKeyring(options: { dir: string; write: (text: string) => void }): SecretKeyring {
  const configured = SecretKeyring.fromEnvironment();
  if (configured) return configured;
  const path = resolve(join(options.dir, KEY_FILE_NAME));
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${SecretKeyring.generateKey()}\n`, { mode: 0o600, flag: "wx" });
    chmodSync(path, 0o600);
    options.write(
      `Created a secret key for agent credentials at ${path}.\n` +
        "  Back it up; give every replica the same key (OMNIFORGE_SECRET_KEY or OMNIFORGE_SECRET_KEY_FILE).\n",
    );
  }
  return SecretKeyring.fromFile(path);
}
