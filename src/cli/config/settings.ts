/**
 * Every setting of `serve`, `agent` and `config`, in one table: its config-file key, its flag, its
 * environment variable, its default and the zod schema its value must pass. The loader
 * (`load-config.ts`), the commands' flags (`config-options.ts`) and `omniforge config` all read this
 * table, so a setting is declared once.
 */
import { z } from "zod";
import { NetworkPolicy } from "../../security/network-policy.js";
import { SecretKeyring } from "../../security/secret-keyring.js";
import { identifierSchema } from "../../validation.js";
import { DEFAULT_DATABASE_URL } from "../cli-support.js";

/** A raw value from the command line (a string, a variadic list, or a boolean switch) or an environment variable. */
export type RawText = string | readonly string[] | boolean;

/** What the commands pass to the resolver (see `defaultFor`). */
export interface SettingContext {
  /** Whether the command's standard output is a terminal. */
  isTTY: boolean;
}

interface SettingSpec<T> {
  /** The key in the config file; a dot nests it (`llm.model` is `{ "llm": { "model": ... } }`). */
  fileKey: string;
  /** The command-line flags (Commander syntax), e.g. `["--port <n>"]`; none for secrets. */
  flags: readonly string[];
  /** Help text of each flag, in the order of `flags`. */
  help: readonly string[];
  env?: string;
  schema: z.ZodType<T>;
  /** Turns flag or environment text into the value `schema` checks. */
  fromText: (raw: RawText) => unknown;
  /** The value when no layer sets one (`undefined`: not set). */
  defaultValue: (context: SettingContext) => T | undefined;
  /** How `omniforge config` shows the default. */
  defaultText: string;
  /**
   * Masked by `omniforge config`: the whole value; a URL's credentials, never echoed in an error
   * (`url-password`); or URLs' credentials, echoed masked in an error (`url-credentials`).
   */
  secret?: "value" | "url-password" | "url-credentials";
  /** One line for the README table and `omniforge config`. */
  description: string;
}

function setting<T>(spec: SettingSpec<T>): SettingSpec<T> {
  return Object.freeze(spec);
}

// ---- text -> value conversions (flags and environment variables are text) ----

const text = (raw: RawText): unknown => (typeof raw === "string" ? raw.trim() : raw);

/** "8080" -> 8080; anything that is not a plain integer stays text, for the schema to refuse. */
const integer = (raw: RawText): unknown =>
  typeof raw === "string" && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;

const BOOLEAN_TEXT: Readonly<Record<string, boolean>> = { true: true, false: false, "1": true, "0": false };
const boolean = (raw: RawText): unknown =>
  typeof raw === "string" ? (BOOLEAN_TEXT[raw.trim().toLowerCase()] ?? raw) : raw;

/** Comma-separated text, or a variadic flag whose entries may themselves hold commas. */
const list = (raw: RawText): unknown =>
  (typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw : [])
    .flatMap((entry: string) => entry.split(","))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");

// ---- schemas ----

const nonEmpty = z.string({ error: "must be a string" }).trim().min(1, "must not be empty");

const integerIn = (min: number, max: number, says: string) =>
  z
    .number({ error: `must be ${says}` })
    .int(`must be ${says}`)
    .min(min, `must be ${says}`)
    .max(max, `must be ${says}`);

const httpUrl = nonEmpty.refine((value) => {
  try {
    return ["http:", "https:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, "must be an http:// or https:// URL");

const DATABASE_URL_PATTERN = /^(sqlite(\+aiosqlite)?:|postgres(ql)?:\/\/)/;

const databaseUrl = nonEmpty.superRefine((value, ctx) => {
  if (DATABASE_URL_PATTERN.test(value)) return;
  // The scheme only: the rest of a URL may hold a password.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1];
  ctx.addIssue({
    code: "custom",
    message:
      (scheme ? `unsupported scheme "${scheme}"; ` : "") +
      "must be a database URL: sqlite:///file.db, sqlite::memory:, postgres://user:pass@host/db",
  });
});

/** A non-empty list; `what` names one entry in the message. */
const listOf = <T>(entry: z.ZodType<T>, what: string) =>
  z.array(entry, { error: `must be a list of ${what}` }).min(1, `must list at least one ${what}`);

const networkEntry = nonEmpty.superRefine((value, ctx) => {
  try {
    new NetworkPolicy({ allow: [value] });
  } catch (error) {
    // NetworkPolicy's message starts with its own field name, then names the entry and what is wrong.
    ctx.addIssue({
      code: "custom",
      message: (error as Error).message.replace(/^network\.allow\[0\]:\s*/, ""),
    });
  }
});

const secretKey = nonEmpty.superRefine((value, ctx) => {
  try {
    SecretKeyring.parse(value, "key");
  } catch (error) {
    // The messages name the entry ("key[0]: a key must be ..."), never the key material.
    const message = (error as Error).message.replace(
      /^key\[(\d+)\]/,
      (_, n: string) => `key ${Number(n) + 1}`,
    );
    ctx.addIssue({ code: "custom", message });
  }
});

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export const LOG_FORMATS = ["pretty", "json"] as const;

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_DIR = ".omniforge";
export const DEFAULT_RATE_LIMIT = 120;
export const DEFAULT_RATE_WINDOW_MS = 60_000;

/** The table. Keys are the names the code uses; `fileKey` is what a config file says. */
export const SETTINGS = {
  databaseUrl: setting({
    fileKey: "databaseUrl",
    flags: ["--db <url>"],
    help: ["database URL: sqlite:///file.db, sqlite::memory:, postgres://..."],
    env: "DATABASE_URL",
    schema: databaseUrl,
    fromText: text,
    defaultValue: () => DEFAULT_DATABASE_URL,
    defaultText: DEFAULT_DATABASE_URL,
    secret: "url-password",
    description: "threads, handoffs, keys and registered agents live here",
  }),
  port: setting({
    fileKey: "port",
    flags: ["--port <n>"],
    help: ["port to listen on (0 = any free port)"],
    env: "PORT",
    schema: integerIn(0, 65_535, "an integer in 0..65535"),
    fromText: integer,
    defaultValue: () => DEFAULT_PORT,
    defaultText: String(DEFAULT_PORT),
    description: "the gateway's port (for `agent`, the agent's)",
  }),
  host: setting({
    fileKey: "host",
    flags: ["--host <host>"],
    help: ["interface to listen on"],
    env: "HOST",
    schema: nonEmpty,
    fromText: text,
    defaultValue: () => DEFAULT_HOST,
    defaultText: DEFAULT_HOST,
    description: "the interface to listen on",
  }),
  logLevel: setting({
    fileKey: "logLevel",
    flags: ["--log-level <level>"],
    help: [`pino log level: ${LOG_LEVELS.join(", ")}`],
    env: "LOG_LEVEL",
    schema: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }),
    fromText: (raw) => (typeof raw === "string" ? raw.trim().toLowerCase() : raw),
    defaultValue: () => "info",
    defaultText: "info",
    description: "the least severe log event written",
  }),
  logFormat: setting({
    fileKey: "logFormat",
    flags: ["--log-format <format>"],
    help: ["logs as pretty (human-readable) or json lines"],
    env: "LOG_FORMAT",
    schema: z.enum(LOG_FORMATS, { error: `must be one of ${LOG_FORMATS.join(", ")}` }),
    fromText: (raw) => (typeof raw === "string" ? raw.trim().toLowerCase() : raw),
    defaultValue: ({ isTTY }) => (isTTY ? "pretty" : "json"),
    defaultText: "pretty on a terminal, else json",
    description: "how logs are written",
  }),
  secretKey: setting({
    fileKey: "secretKey",
    flags: [],
    help: [],
    env: "OMNIFORGE_SECRET_KEY",
    schema: secretKey,
    fromText: text,
    defaultValue: () => undefined,
    defaultText: "not set: serve then uses dir/secret.key, created on first use",
    secret: "value",
    description: "encrypts agent credentials at rest: `[id:]key` entries, newest first, comma-separated",
  }),
  secretKeyFile: setting({
    fileKey: "secretKeyFile",
    flags: ["--secret-key-file <path>"],
    help: ["a file holding the secret key (instead of OMNIFORGE_SECRET_KEY)"],
    env: "OMNIFORGE_SECRET_KEY_FILE",
    schema: nonEmpty,
    fromText: text,
    defaultValue: () => undefined,
    defaultText: "not set",
    description: "a file holding the secret key (one of secretKey and secretKeyFile)",
  }),
  dir: setting({
    fileKey: "dir",
    flags: ["--dir <path>"],
    help: ["work directory: the secret key file, the example skill agent's skills and state"],
    env: "OMNIFORGE_DIR",
    schema: nonEmpty,
    fromText: text,
    defaultValue: () => DEFAULT_DIR,
    defaultText: DEFAULT_DIR,
    description: "the secret key file, the skill agent's skills and state",
  }),
  examples: setting({
    fileKey: "examples",
    flags: ["--examples", "--no-examples"],
    help: ["start the bundled example agents (the default)", "do not start the bundled example agents"],
    env: "OMNIFORGE_EXAMPLES",
    schema: z.boolean({ error: "must be true or false" }),
    fromText: boolean,
    defaultValue: () => true,
    defaultText: "true",
    description: "start the bundled example agents",
  }),
  agents: setting({
    fileKey: "agents",
    flags: ["--agent <url...>"],
    help: ["discover and add the A2A agent at this base URL (repeatable)"],
    env: "OMNIFORGE_AGENTS",
    schema: listOf(httpUrl, "agent URL"),
    fromText: list,
    secret: "url-credentials",
    defaultValue: () => undefined,
    defaultText: "none",
    description: "base URLs of your own A2A agents, discovered from their cards",
  }),
  defaultAgents: setting({
    fileKey: "defaultAgents",
    flags: ["--default-agent <id...>"],
    help: ["agent id that answers threads no handoff holds (repeatable)"],
    env: "OMNIFORGE_DEFAULT_AGENTS",
    schema: listOf(identifierSchema, "agent id"),
    fromText: list,
    defaultValue: () => undefined,
    defaultText: "every agent that is not handoff-capable",
    description: "the agents that answer a thread no handoff holds",
  }),
  allowedNetworks: setting({
    fileKey: "allowedNetworks",
    flags: ["--allow-network <entry...>"],
    help: [
      "also let agents be reached here although private: a CIDR, address[:port], host[:port], *.domain, " +
        "or loopback|private|link-local|cgnat|unique-local (repeatable)",
    ],
    env: "OMNIFORGE_ALLOWED_NETWORKS",
    schema: listOf(networkEntry, "network entry"),
    fromText: list,
    defaultValue: () => undefined,
    defaultText: "none: public addresses only",
    description: "private networks agents may be reached on",
  }),
  rateLimit: setting({
    fileKey: "rateLimit",
    flags: ["--rate-limit <max>"],
    help: ["requests per API key per window, shared by every replica"],
    env: "OMNIFORGE_RATE_LIMIT",
    schema: integerIn(1, Number.MAX_SAFE_INTEGER, "a positive integer"),
    fromText: integer,
    defaultValue: () => DEFAULT_RATE_LIMIT,
    defaultText: String(DEFAULT_RATE_LIMIT),
    description: "requests per API key per window",
  }),
  rateWindowMs: setting({
    fileKey: "rateWindowMs",
    flags: ["--rate-window <ms>"],
    help: ["the rate limit window in milliseconds"],
    env: "OMNIFORGE_RATE_WINDOW_MS",
    schema: integerIn(1, Number.MAX_SAFE_INTEGER, "a positive integer"),
    fromText: integer,
    defaultValue: () => DEFAULT_RATE_WINDOW_MS,
    defaultText: String(DEFAULT_RATE_WINDOW_MS),
    description: "the rate limit window, in milliseconds",
  }),
  llmBaseUrl: setting({
    fileKey: "llm.baseUrl",
    flags: ["--llm-base-url <url>"],
    help: ["the LLM agent's OpenAI-compatible endpoint, e.g. http://localhost:11434/v1"],
    env: "OMNIFORGE_LLM_BASE_URL",
    schema: httpUrl,
    fromText: text,
    secret: "url-credentials",
    defaultValue: () => undefined,
    defaultText: "not set: no LLM agent",
    description: "the LLM agent's OpenAI-compatible chat-completions endpoint",
  }),
  llmApiKey: setting({
    fileKey: "llm.apiKey",
    flags: [],
    help: [],
    env: "OMNIFORGE_LLM_API_KEY",
    schema: nonEmpty,
    fromText: text,
    defaultValue: () => undefined,
    defaultText: "not set",
    secret: "value",
    description: "the LLM endpoint's API key",
  }),
  llmModel: setting({
    fileKey: "llm.model",
    flags: ["--llm-model <name>"],
    help: ["the model the LLM agent asks"],
    env: "OMNIFORGE_LLM_MODEL",
    schema: nonEmpty,
    fromText: text,
    defaultValue: () => undefined,
    defaultText: "not set: required with llm.baseUrl",
    description: "the model the LLM agent asks",
  }),
} as const;

export type SettingKey = keyof typeof SETTINGS;
export const SETTING_KEYS = Object.freeze(Object.keys(SETTINGS) as SettingKey[]);

type ValueOf<S> = S extends SettingSpec<infer T> ? T : never;

/** The resolved settings; `undefined` where no layer set one and there is no default. */
export type CliConfig = { [K in SettingKey]: ValueOf<(typeof SETTINGS)[K]> | undefined };

/** The settings the `agent` command reads. */
export const AGENT_SETTINGS: readonly SettingKey[] = Object.freeze([
  "port",
  "host",
  "dir",
  "llmBaseUrl",
  "llmApiKey",
  "llmModel",
]);

/** `serve` and `config` read everything. */
export const SERVE_SETTINGS: readonly SettingKey[] = SETTING_KEYS;

/** The config file found in the working directory when neither `--config` nor `OMNIFORGE_CONFIG` names one. */
export const CONFIG_FILE_NAME = "omniforge.config.json";
export const CONFIG_ENV = "OMNIFORGE_CONFIG";
