/**
 * {@link ContextSanitizer}: the built-in rules over the normalized text, then the caller's patterns
 * over the original, resolved into one sorted list of redactions.
 *
 * Numbers in non-string JSON values (`sanitizeValue`) are left alone.
 *
 * Findings carry only a category and offsets, never the matched text, so they are safe to log.
 */
import { z } from "zod";
import { ConfigurationError } from "../../errors.js";
import { asConfigurationError } from "../../validation.js";
import { applyRules, NO_GAPS, RedactedView } from "./apply-rules.js";
import { customRule } from "./custom-rule.js";
import { NormalizedText } from "./normalized-text.js";
import type { Redaction, Rule } from "./rule.js";
import { BUILT_IN_RULES } from "./rules/built-in-rules.js";
import { type CUSTOM_SANITIZER_CATEGORY, DEFAULT_SANITIZER_CATEGORIES, SanitizerCategory } from "./tokens.js";

/** Passes over the redacted text after the first (each finds what the one before made findable). */
const EXTRA_PASSES = 3;

/** A caller-supplied redaction rule: every match of `regex` is replaced by `replacement` (literally). */
export interface SanitizerPattern {
  /** Must not match the empty string; made global if it is not. */
  regex: RegExp;
  /** Inserted as is (`$1`-style references are not expanded); must not itself match `regex`. */
  replacement: string;
}

/** Construction input of {@link ContextSanitizer}. */
export interface ContextSanitizerConfig {
  /** Extra patterns, applied after the built-in rules, in order. */
  patterns?: readonly SanitizerPattern[];
  /** Which built-in categories to redact. Default: all of them. */
  categories?: readonly SanitizerCategory[];
}

/** One span the sanitizer would redact. Deliberately carries no matched text. */
export interface SanitizerFinding {
  category: SanitizerCategory | typeof CUSTOM_SANITIZER_CATEGORY;
  /** UTF-16 offset of the first redacted character. */
  start: number;
  /** UTF-16 offset just past the last redacted character. */
  end: number;
}

const configSchema = z
  .object({
    patterns: z.array(z.object({ regex: z.instanceof(RegExp), replacement: z.string() })).optional(),
    categories: z.array(z.enum(SanitizerCategory)).optional(),
  })
  .optional();

/**
 * Redacts PII and secrets from text and JSON-like values before they leave for a sub-agent.
 *
 * @example
 * ```ts
 * new ContextSanitizer().sanitize("User's email is john@example.com and password is MyP@ssw0rd");
 * // -> "User's email is [EMAIL] and password is [REDACTED]"
 * ```
 */
export class ContextSanitizer {
  readonly #builtIn: readonly Rule[];
  readonly #custom: Rule[] = [];

  /** @throws ConfigurationError when a pattern or category is invalid (`context.field` names it). */
  constructor(config: ContextSanitizerConfig = {}) {
    const parsed = configSchema.safeParse(config);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue === undefined || issue.path.length === 0 ? "config" : issue.path.join(".");
      throw new ConfigurationError(`${field}: ${issue?.message ?? "invalid sanitizer config"}`, {
        context: { field },
      });
    }
    const enabled = new Set(config.categories ?? DEFAULT_SANITIZER_CATEGORIES);
    this.#builtIn = BUILT_IN_RULES.filter((rule) => enabled.has(rule.category as SanitizerCategory));
    (config.patterns ?? []).forEach((pattern, index) => {
      try {
        this.#custom.push(customRule(pattern.regex, pattern.replacement, `patterns.${index}`));
      } catch (error) {
        throw asConfigurationError(error);
      }
    });
  }

  /**
   * Adds a custom rule, applied after the built-in ones and earlier custom ones.
   *
   * @throws ValidationError (`field: "pattern"`) when `regex` can match the empty string, or
   *   (`field: "replacement"`) when `replacement` would itself be matched by `regex`.
   */
  addPattern(regex: RegExp, replacement: string): void {
    this.#custom.push(customRule(regex, replacement, "pattern"));
  }

  /** The spans {@link sanitize} would replace, sorted by offset. No matched text is included. */
  findings(text: string): SanitizerFinding[] {
    return this.#resolve(text).map(({ rule, start, end }) => ({ category: rule.category, start, end }));
  }

  /** Returns `text` with every finding replaced by its token; other characters are kept. */
  sanitize(text: string): string {
    const found = this.#resolve(text);
    return found.length === 0 ? text : new RedactedView(text, found).text;
  }

  /** True when {@link sanitize} would leave `text` unchanged. */
  isClean(text: string): boolean {
    return this.#resolve(text).length === 0;
  }

  /**
   * Deep-sanitizes a JSON-like value: every string in arrays and plain objects is sanitized,
   * object keys and non-string leaves are kept, and the input is not mutated. Shared and cyclic
   * references stay shared in the result.
   */
  sanitizeValue<T>(value: T): T {
    return this.#sanitizeDeep(value, new Map()) as T;
  }

  #sanitizeDeep(value: unknown, seen: Map<object, unknown>): unknown {
    if (typeof value === "string") return this.sanitize(value);
    if (value === null || typeof value !== "object") return value;
    const done = seen.get(value);
    if (done !== undefined) return done;
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      seen.set(value, out);
      for (const item of value) out.push(this.#sanitizeDeep(item, seen));
      return out;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    // Filled in place so that cycles resolve to the new object; defineProperty keeps "__proto__" an own key.
    const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
    seen.set(value, out);
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, {
        value: this.#sanitizeDeep(item, seen),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }

  /**
   * The built-in rules read the normalized text ({@link NormalizedText}) and their spans are mapped
   * back to `text`; custom patterns then read `text` itself, with the built-in spans already
   * replaced by tokens. Returned spans are in `text` coordinates, sorted and disjoint.
   */
  #resolve(text: string): Redaction[] {
    if (text.length === 0) return [];
    const normalized = NormalizedText.of(text);
    let found: Redaction[];
    if (normalized === null) {
      found = applyRules(text, this.#builtIn, []);
    } else {
      const gapBefore = normalized.hasGaps ? (index: number) => normalized.gapBefore(index) : NO_GAPS;
      found = applyRules(normalized.text, this.#builtIn, [], gapBefore);
      found = found.map((redaction) => ({ ...normalized.toOriginal(redaction), rule: redaction.rule }));
    }
    // A rule can miss a value the first time because an earlier rule's match took the context it
    // needed ("a@b.comSSN pass: x": the e-mail swallows what the credential pair reads), and then
    // find it in the redacted text. Passing again over the redactions until nothing new is found
    // keeps `sanitize` idempotent; a text without findings costs nothing more.
    for (let pass = 0; pass < EXTRA_PASSES && found.length > 0; pass++) {
      const again = applyRules(text, this.#builtIn, found);
      if (again.length === found.length) break;
      found = again;
    }
    return this.#custom.length === 0 ? found : applyRules(text, this.#custom, found);
  }
}
