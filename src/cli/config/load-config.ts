/**
 * Resolves the settings of a command from four layers, highest first: its flags, the environment,
 * the config file, the defaults. The value taken is checked with its setting's zod schema, and a bad
 * one is reported with where it came from (`--port`, `PORT="abc"`, `omniforge.config.json: port`).
 * The config file itself must be a JSON object of known keys.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { CliFailure } from "../cli-support.js";
import { jsonSyntaxError } from "./json-syntax.js";
import { maskUrlList } from "./mask.js";
import {
  CONFIG_ENV,
  CONFIG_FILE_NAME,
  SETTINGS,
  type CliConfig,
  type RawText,
  type SettingContext,
  type SettingKey,
} from "./settings.js";

export type Environment = Readonly<Record<string, string | undefined>>;

/** Where a setting's value came from. */
export type SettingSource =
  | { kind: "flag"; flag: string }
  | { kind: "env"; variable: string }
  | { kind: "file"; path: string; key: string }
  | { kind: "default" };

/** Flag values the user typed (not Commander's defaults), by setting. */
export type FlagValues = Partial<Record<SettingKey, { flag: string; raw: RawText }>>;

export interface LoadConfigOptions extends SettingContext {
  /** The settings the command reads; only these are looked up and checked. */
  keys: readonly SettingKey[];
  flags: FlagValues;
  /** `--config <path>`, when given. */
  configPath?: string | undefined;
  env: Environment;
  cwd: string;
  /** Defaults of this command that differ from the table's (e.g. `agent` listens on port 0). */
  defaults?: Partial<CliConfig>;
}

export interface LoadedConfig {
  readonly values: Readonly<CliConfig>;
  readonly sources: Readonly<Record<SettingKey, SettingSource>>;
  /** Settings set in a lower layer and ignored because a higher one set their alternative. */
  readonly ignored: Readonly<Partial<Record<SettingKey, string>>>;
  /** The config file read, if any (absolute). */
  readonly file?: string;
  /** What named it: `--config`, `OMNIFORGE_CONFIG` or `the working directory`. */
  readonly fileFrom?: string;
}

const RANK: Readonly<Record<SettingSource["kind"], number>> = { flag: 3, env: 2, file: 1, default: 0 };

/** `--port`, `PORT`, `omniforge.config.json: port` or `default`: for messages. */
export function describeSource(source: SettingSource): string {
  switch (source.kind) {
    case "flag":
      return source.flag;
    case "env":
      return source.variable;
    case "file":
      return `${source.path}: ${source.key}`;
    default:
      return "default";
  }
}

/** Resolves `options.keys`; throws CliFailure listing every problem with its source. */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const { loaded, problems } = resolveConfig(options);
  if (problems.length > 0) throw invalid(problems);
  return loaded;
}

/**
 * Resolves `options.keys` and lists every problem at once: the config file's (unreadable, not JSON,
 * unknown keys), each invalid value's (that setting is then left out of `values`) and those of
 * settings that only make sense together.
 */
export function resolveConfig(options: LoadConfigOptions): { loaded: LoadedConfig; problems: string[] } {
  const { file, problems } = readConfigFile(options);
  const values: Partial<Record<SettingKey, unknown>> = {};
  const sources: Partial<Record<SettingKey, SettingSource>> = {};
  for (const key of options.keys) {
    const picked = pick(key, options, file);
    sources[key] = picked.source;
    if (picked.problem !== undefined) problems.push(picked.problem);
    else values[key] = picked.value;
  }
  const loaded: LoadedConfig = {
    values: values as CliConfig,
    sources: sources as Record<SettingKey, SettingSource>,
    ignored: {},
    ...(file ? { file: file.path, fileFrom: file.from } : {}),
  };
  problems.push(...crossChecks(loaded, options.keys));
  return {
    loaded: Object.freeze({
      ...loaded,
      values: Object.freeze({ ...loaded.values }),
      sources: Object.freeze({ ...loaded.sources }),
    }),
    problems,
  };
}

interface Picked {
  value?: unknown;
  source: SettingSource;
  problem?: string;
}

/** The highest layer that sets `key`, its value checked. */
function pick(key: SettingKey, options: LoadConfigOptions, config: ConfigFile | null): Picked {
  const spec = SETTINGS[key];
  const flag = options.flags[key];
  if (flag !== undefined) {
    const raw = typeof flag.raw === "boolean" ? undefined : echo(key, flag.raw);
    const shown = raw === undefined ? flag.flag : `${flag.flag} ${raw}`;
    return check(key, spec.fromText(flag.raw), { kind: "flag", flag: flag.flag }, shown);
  }
  const envText = spec.env === undefined ? undefined : options.env[spec.env];
  if (spec.env !== undefined && envText !== undefined && envText.trim() !== "") {
    const raw = echo(key, envText);
    const shown = raw === undefined ? spec.env : `${spec.env}=${raw}`;
    return check(key, spec.fromText(envText), { kind: "env", variable: spec.env }, shown);
  }
  const inFile = config === null ? undefined : valueAt(config.values, spec.fileKey);
  if (config !== null && inFile !== undefined) {
    return check(key, inFile, { kind: "file", path: config.path, key: spec.fileKey }, "");
  }
  const value = key in (options.defaults ?? {}) ? options.defaults![key] : spec.defaultValue(options);
  return { value, source: { kind: "default" } };
}

/** How a bad value is quoted in its error: as typed, with URL credentials masked, or not at all (a secret). */
function echo(key: SettingKey, raw: string | readonly string[]): string | undefined {
  switch (SETTINGS[key].secret) {
    case undefined:
      return JSON.stringify(raw);
    case "url-credentials":
      return JSON.stringify(typeof raw === "string" ? maskUrlList(raw) : raw.map(maskUrlList));
    default:
      return undefined;
  }
}

function valueAt(values: Record<string, unknown>, dotted: string): unknown {
  let node: unknown = values;
  for (const part of dotted.split(".")) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function check(key: SettingKey, candidate: unknown, source: SettingSource, shown: string): Picked {
  const parsed = (SETTINGS[key].schema as z.ZodType).safeParse(candidate);
  if (parsed.success) return { value: parsed.data, source };
  const where = source.kind === "file" ? describeSource(source) : shown;
  return { source, problem: `${where}: ${issuesText(parsed.error.issues)}` };
}

function issuesText(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => (issue.path.length > 0 ? `[${issue.path.join(".")}] ` : "") + issue.message)
    .join("; ");
}

/** Settings that only make sense together. */
function crossChecks(loaded: LoadedConfig, keys: readonly SettingKey[]): string[] {
  const problems: string[] = [];
  const values = loaded.values as Partial<Record<SettingKey, unknown>>;
  const sources = loaded.sources as Partial<Record<SettingKey, SettingSource>>;
  const has = (key: SettingKey) => keys.includes(key) && values[key] !== undefined;
  // Set in some layer, valid or not (an invalid value is reported on its own).
  const unset = (key: SettingKey) => keys.includes(key) && sources[key]?.kind === "default" && !has(key);
  const named = (key: SettingKey) => describeSource(sources[key]!);

  // One secret key: the higher layer wins; set twice in the same layer is ambiguous.
  if (has("secretKey") && has("secretKeyFile")) {
    const keyRank = RANK[sources.secretKey!.kind];
    const fileRank = RANK[sources.secretKeyFile!.kind];
    if (keyRank === fileRank) {
      problems.push(`${named("secretKey")} and ${named("secretKeyFile")}: set one of them, not both`);
    } else {
      const loser: SettingKey = keyRank > fileRank ? "secretKeyFile" : "secretKey";
      const winner: SettingKey = loser === "secretKey" ? "secretKeyFile" : "secretKey";
      (loaded.ignored as Partial<Record<SettingKey, string>>)[loser] = `${named(winner)} wins`;
      values[loser] = undefined;
    }
  }
  // The LLM is configured by its base URL; a model is then required.
  if (has("llmBaseUrl") && unset("llmModel")) {
    problems.push(
      `${named("llmBaseUrl")} is set but no model is: set OMNIFORGE_LLM_MODEL, --llm-model or llm.model`,
    );
  }
  for (const key of ["llmModel", "llmApiKey"] as const) {
    if (has(key) && unset("llmBaseUrl")) {
      problems.push(
        `${named(key)} is set but the LLM endpoint is not: set OMNIFORGE_LLM_BASE_URL, --llm-base-url or llm.baseUrl`,
      );
    }
  }
  return problems;
}

function invalid(problems: readonly string[]): CliFailure {
  return new CliFailure(
    problems.length === 1
      ? `invalid configuration: ${problems[0]}`
      : `invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`,
  );
}

// ---- the config file ----

/** `--config`, else `OMNIFORGE_CONFIG`, else `omniforge.config.json` in the working directory if there is one. */
export function configFilePath(options: Pick<LoadConfigOptions, "configPath" | "env" | "cwd">): {
  path: string;
  from: string;
} | null {
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(options.cwd, path));
  if (options.configPath !== undefined) return { path: absolute(options.configPath), from: "--config" };
  const fromEnv = options.env[CONFIG_ENV]?.trim();
  if (fromEnv) return { path: absolute(fromEnv), from: CONFIG_ENV };
  const local = resolve(options.cwd, CONFIG_FILE_NAME);
  return existsSync(local) ? { path: local, from: "the working directory" } : null;
}

/** The file's settings, structure checked (a JSON object of known keys); values are checked when used. */
interface ConfigFile {
  path: string;
  from: string;
  values: Record<string, unknown>;
}

/**
 * The config file and its problems. A file that cannot be read or parsed gives no values; one with
 * unknown keys or a group that is not an object still gives the values of its known keys, so that
 * every problem is reported at once.
 */
function readConfigFile(options: LoadConfigOptions): { file: ConfigFile | null; problems: string[] } {
  const located = configFilePath(options);
  if (located === null) return { file: null, problems: [] };
  const { path, from } = located;
  const read = readConfigText(path, from);
  if (typeof read !== "string") return { file: null, problems: [read.problem] };
  let json: unknown;
  try {
    json = JSON.parse(read);
  } catch {
    // V8's message quotes the text around the error, and the file may hold a secret: say where only.
    const error = jsonSyntaxError(read);
    const where = error ? `${path}:${error.line}:${error.column}` : path;
    return { file: null, problems: [`${where}: not valid JSON${error ? `: ${error.problem}` : ""}`] };
  }
  const parsed = fileStructure().safeParse(json);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${path}: ${structureProblem(issue)}`);
  const values = typeof json === "object" && json !== null && !Array.isArray(json) ? json : {};
  return { file: { path, from, values: values as Record<string, unknown> }, problems };
}

/** The largest config file read: a config file is a few hundred bytes; this is far above any real one. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/**
 * The file's text: a regular file of at most {@link MAX_CONFIG_FILE_BYTES}. A device or a FIFO
 * (`/dev/zero`, a pipe) would never end or never open, so it is refused before it is opened.
 */
function readConfigText(path: string, from: string): string | { problem: string } {
  const refuse = (why: string) => ({ problem: `config file ${path} (from ${from}): ${why}` });
  const tooLarge = `larger than ${MAX_CONFIG_FILE_BYTES} bytes (1 MiB): a config file is a small JSON object`;
  let fd: number | undefined;
  try {
    if (!statSync(path).isFile()) return refuse("not a regular file");
    fd = openSync(path, "r");
    if (fstatSync(fd).size > MAX_CONFIG_FILE_BYTES) return refuse(tooLarge);
    // One byte more than allowed, in case the file grew since it was measured.
    const buffer = Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) {
      n = readSync(fd, buffer, length, buffer.length - length, null);
    }
    if (length > MAX_CONFIG_FILE_BYTES) return refuse(tooLarge);
    return buffer.subarray(0, length).toString("utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return refuse(code === "ENOENT" ? "no such file" : (error as Error).message);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A strict object of every `fileKey` (values unknown: each is checked when used), nested by dots. */
function fileStructure(): z.ZodType {
  const top: Record<string, z.ZodType> = {};
  const groups: Record<string, Record<string, z.ZodType>> = {};
  for (const spec of Object.values(SETTINGS)) {
    const [head, tail] = spec.fileKey.split(".") as [string, string | undefined];
    if (tail === undefined) top[head] = z.unknown().optional();
    else (groups[head] ??= {})[tail] = z.unknown().optional();
  }
  for (const [name, shape] of Object.entries(groups)) {
    top[name] = z.strictObject(shape, { error: "must be an object" }).optional();
  }
  return z.strictObject(top, { error: "must be a JSON object of settings" });
}

function structureProblem(issue: z.core.$ZodIssue): string {
  const at = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const known = knownKeys(at);
    return issue.keys
      .map((key) => `unknown key "${[...at, key].join(".")}" (known: ${known.join(", ")})`)
      .join("; ");
  }
  return at.length > 0 ? `${at.join(".")}: ${issue.message}` : issue.message;
}

/** The keys allowed at `path` (top level or inside a group). */
function knownKeys(path: readonly string[]): string[] {
  const prefix = path.length > 0 ? `${path.join(".")}.` : "";
  const keys = Object.values(SETTINGS)
    .map((spec) => spec.fileKey)
    .filter((key) => key.startsWith(prefix))
    .map((key) => key.slice(prefix.length).split(".")[0]!);
  return [...new Set(keys)];
}
