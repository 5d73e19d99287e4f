/**
 * The CLI's secret key: the configured `secretKey` (`OMNIFORGE_SECRET_KEY`) or `secretKeyFile`
 * (`--secret-key-file`, `OMNIFORGE_SECRET_KEY_FILE`) when set; otherwise a key file in the work
 * directory, created on first use (mode 0600). Several replicas must share one key: configure the
 * same key (or mount the same file) on each.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { SecretKeyring } from "../security/secret-keyring.js";
import { CliFailure } from "./cli-support.js";
import { describeSource, type LoadedConfig } from "./config/load-config.js";

export const KEY_FILE_NAME = "secret.key";

export interface SecretKeyOptions {
  dir: string;
  /** The key text (already checked), and where it was set, for messages. */
  secretKey?: { value: string; from: string } | undefined;
  /** A key file, and where it was named. */
  secretKeyFile?: { value: string; from: string } | undefined;
  /** Tells the user about a key file it created. */
  write: (text: string) => void;
}

/** The configured keyring, if a key or key file is configured. */
export function configuredKeyring(
  options: Omit<SecretKeyOptions, "dir" | "write">,
): SecretKeyring | undefined {
  const { secretKey, secretKeyFile } = options;
  if (secretKey) return SecretKeyring.parse(secretKey.value, secretKey.from);
  if (!secretKeyFile) return undefined;
  let text: string;
  try {
    text = readFileSync(secretKeyFile.value, "utf8");
  } catch (error) {
    throw new CliFailure(
      `invalid configuration: ${secretKeyFile.from}: the key file cannot be read: ${(error as Error).message}`,
    );
  }
  try {
    return SecretKeyring.parse(text, `${secretKeyFile.from} (${secretKeyFile.value})`);
  } catch (error) {
    throw new CliFailure(`invalid configuration: ${(error as Error).message}`);
  }
}

/** The secret key settings of a loaded configuration, with their sources. */
export function secretKeySettings(
  loaded: LoadedConfig,
): Pick<SecretKeyOptions, "secretKey" | "secretKeyFile"> {
  const { secretKey, secretKeyFile } = loaded.values;
  return {
    secretKey: secretKey ? { value: secretKey, from: describeSource(loaded.sources.secretKey) } : undefined,
    secretKeyFile: secretKeyFile
      ? { value: secretKeyFile, from: describeSource(loaded.sources.secretKeyFile) }
      : undefined,
  };
}

export function loadSecretKeyring(options: SecretKeyOptions): SecretKeyring {
  const configured = configuredKeyring(options);
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
