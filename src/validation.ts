/**
 * Boundary validation shared by every public entry point: zod schemas for the identifiers that
 * cross into OmniForge, and one function that turns a zod failure into a ValidationError naming
 * the field.
 */
import { z } from "zod";
import { ConfigurationError, ValidationError } from "./errors.js";

/** The kinds of configuration numbers, each a zod schema and what it says a value must be. */
export const CONFIG_NUMBERS = {
  positiveInteger: { schema: z.number().int().min(1), says: "a positive integer" },
  nonNegativeInteger: { schema: z.number().int().min(0), says: "a non-negative integer" },
  positiveNumber: { schema: z.number().gt(0).finite(), says: "a positive number" },
  port: { schema: z.number().int().min(0).max(65_535), says: "an integer in 0..65535" },
} as const;

export type ConfigNumberKind = keyof typeof CONFIG_NUMBERS;

/**
 * `value` when it is a number of `kind`; otherwise ConfigurationError "`label` must be <kind>"
 * naming `field`. Every configuration number of the library is checked this way.
 */
export function configNumber(value: unknown, kind: ConfigNumberKind, field: string, label = field): number {
  const { schema, says } = CONFIG_NUMBERS[kind];
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ConfigurationError(`${label} must be ${says}`, { context: { field } });
  return parsed.data;
}

/** Limits on caller-supplied values. */
export const LIMITS = Object.freeze({
  idLength: 128,
  titleLength: 500,
  /** A message a user (or caller) sends. */
  messageBytes: 1_000_000,
  /** A stored message: an agent's reply may be larger than what a user sends (see A2AClient maxReplyBytes). */
  storedContentBytes: 8 * 1024 * 1024,
  summaryLength: 20_000,
  metadataBytes: 64_000,
  pageSize: 1_000,
});

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A tenant or user id: non-empty, trimmed, bounded, no control characters. */
export const identifierSchema = z
  .string({ error: "must be a string" })
  .min(1, "must not be empty")
  .max(LIMITS.idLength, `must be at most ${LIMITS.idLength} characters`)
  .refine((value) => value.trim() === value && value.trim() !== "", "must not be blank or padded with spaces")
  // eslint-disable-next-line no-control-regex
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), "must not contain control characters");

export const uuidSchema = z
  .string({ error: "must be a string" })
  .regex(UUID_PATTERN, "must be a UUID (e.g. 3f2c9a4e-...)")
  .transform((value) => value.toLowerCase());

export const limitSchema = z
  .number({ error: "must be a number" })
  .int("must be an integer")
  .min(1, "must be at least 1")
  .max(LIMITS.pageSize, `must be at most ${LIMITS.pageSize}`);

export const offsetSchema = z
  .number({ error: "must be a number" })
  .int("must be an integer")
  .min(0, "must be >= 0");

/** A JSON object whose serialized size is bounded. */
export const metadataSchema = z
  .record(z.string(), z.unknown(), { error: "must be an object" })
  .refine((value) => {
    try {
      return Buffer.byteLength(JSON.stringify(value)) <= LIMITS.metadataBytes;
    } catch {
      return false;
    }
  }, `must be JSON-serializable and at most ${LIMITS.metadataBytes} bytes`);

/** `text` cut to at most `maxBytes` of UTF-8, at a character boundary (unchanged when it fits). */
export function cutToBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  return Buffer.from(text)
    .subarray(0, maxBytes)
    .toString("utf8")
    .replace(/\uFFFD$/, "");
}

/** Text bounded in UTF-8 bytes. */
export function boundedText(maxBytes: number, options: { allowEmpty?: boolean } = {}) {
  return z
    .string({ error: "must be a string" })
    .refine((value) => options.allowEmpty === true || value.trim() !== "", "must not be empty")
    .refine((value) => Buffer.byteLength(value) <= maxBytes, `must be at most ${maxBytes} bytes`);
}

/** One of `values` (e.g. `Object.values(Role)`); anything else: "must be one of a, b, c". */
export function enumSchema<T extends string>(values: readonly T[]) {
  return z.enum(values as [T, ...T[]], { error: `must be one of ${values.join(", ")}` });
}

/** True when `value` is a UUID string. */
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID_PATTERN.test(value);
}

/**
 * Parses `value` with `schema`, or throws a {@link ValidationError} naming the first bad field
 * (prefixed with `prefix`, e.g. `options.tenantId`).
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.output<S> {
  const parsed = parseWith(schema, value, prefix);
  if (parsed.ok) return parsed.data;
  throw new ValidationError(parsed.field, parsed.message);
}

/**
 * Parses a configuration (what a constructor or `serve...` function is given) with `schema`, or
 * throws a {@link ConfigurationError} naming the first bad field, as `field: message`.
 */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.output<S> {
  const parsed = parseWith(schema, value, prefix);
  if (parsed.ok) return parsed.data;
  throw new ConfigurationError(`${parsed.field}: ${parsed.message}`, { context: { field: parsed.field } });
}

/** A ValidationError met while checking a configuration, as the ConfigurationError it stands for. */
export function asConfigurationError(error: unknown): unknown {
  if (!(error instanceof ValidationError)) return error;
  return new ConfigurationError(error.message, { cause: error, context: error.context });
}

/** The parsed value, or the first bad field (prefixed with `prefix`) and what is wrong with it. */
function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix?: string,
): { ok: true; data: z.output<S> } | { ok: false; field: string; message: string } {
  // reportInput: the issue carries the offending value, so "missing" and "wrong type" can be told apart.
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return { ok: true, data: result.data };
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join(".") ?? "";
  const field = [prefix, path].filter((part) => part !== undefined && part !== "").join(".") || "input";
  const message =
    issue?.code === "invalid_type" && issue.input === undefined
      ? "is required"
      : (issue?.message ?? "is invalid");
  return { ok: false, field, message };
}
