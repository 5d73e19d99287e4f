/**
 * PII and secret redaction for everything OmniForge sends to sub-agents.
 *
 * {@link ContextSanitizer} replaces personal data and secrets with fixed tokens and keeps the
 * surrounding words: emails become `[EMAIL]`, Luhn-valid card numbers `[CARD]`, phone numbers
 * `[PHONE]`, US social security numbers `[SSN]`, and secrets `[REDACTED]` (passwords and other
 * keyword-introduced values, vendor API keys, bearer tokens, JWTs, PEM private keys, and the
 * `user:password` part of URLs).
 *
 * How it works: rules run in priority order (private keys, URL credentials, JWTs, bearer/basic
 * credentials, keyword values, CLI credentials, vendor keys, emails, SSNs, cards, phones, then
 * custom patterns), each on the text as the earlier ones left it, with their spans already
 * replaced by tokens. A match that contains a token or is glued to one (no character in between)
 * is dropped, so overlapping matches never corrupt the text and a second pass finds nothing new:
 * `sanitize` is idempotent. Consequence: a value glued to a token that was already in the input
 * (`[EMAIL]john@example.com`) is left alone. Regexes avoid nested ambiguous quantifiers, so a run
 * stays roughly linear in the input size.
 *
 * Deliberate decisions (precision matters as much as recall):
 * - `@mention`, `user@localhost`, `name@192.168.0.1`, `pkg@1.2.3`, `icon@2x.png` (file-extension
 *   "TLDs"), the username in `scheme://user@host` and scp-style `git@github.com:org/repo` are not
 *   emails. Obfuscated forms (`john at example dot com`) are not detected.
 * - Cards must pass Luhn, have 13-19 digits, start with 2-6 (the issuer ranges of Visa, Mastercard,
 *   Amex, Discover, JCB, Diners, UnionPay), use one separator consistently in a known grouping
 *   (4-4-4-4[-1..3], 4-6-5, 4-6-4, or none), and not be one repeated digit.
 * - Phones need phone formatting: `+` or `00` with a country code (8-15 digits in all), North
 *   American `(555) 123-4567` / `555-123-4567` / `555.123.4567` / `555 123 4567` (optional leading
 *   `1`), or a national number with a leading 0 and separators (`020 7946 0958`). Any 3-3-4 group
 *   joined by `-` or `.` counts as a phone. Bare digit runs, 7-digit local numbers, dates, times,
 *   versions, prices and IP addresses are not phones.
 * - SSNs are `AAA-GG-SSSS` (or 9 digits right after "SSN"/"social security number") with a valid
 *   area (not 000, 666, 9xx), group (not 00) and serial (not 0000).
 * - Keyword values (`password is X`, `password: X`, `pwd=X`, `"password": "X"`, `<password>X<`,
 *   `api_key=X`, `token: X`, `password for the VPN is X`, ...) are redacted unless X is an
 *   ordinary word describing the password ("required", "too", "incorrect", "hashed", ...), a
 *   placeholder (`${VAR}`, `<password>`, `********`, `N/A`), a code expression
 *   (`getPassword()`, `process.env.X`), a path, or a number followed by a unit ("8 characters").
 *   Token-like keywords (`token`, `api_key`, `authorization`, `SECRET_KEY_BASE`) additionally need
 *   a token-shaped value (letters and digits, or 24+ mixed-case characters). `secret is X` in prose
 *   needs a value that is not a plain word. A keyword followed by a value with no separator
 *   (`password Tr1cky#One`) needs a quoted or password-shaped value (3 character classes). A
 *   lowercase dictionary word used as a password and ending in -ed/-ly/-able is left alone; an
 *   unquoted password containing `&name=` is cut there. `pass`/`PIN` are not keywords.
 * - `curl -u user:password` / `--user user:password`: the credentials are redacted.
 * - A PEM private key block without its END line is redacted up to the next `-----` or the end.
 * - Numbers in non-string JSON values (`sanitizeValue`) are left alone.
 *
 * Findings carry only a category and offsets, never the matched text, so they are safe to log.
 */
import { z } from "zod";
import { ValidationError } from "../errors.js";

/** The built-in categories of sensitive data. */
export const SanitizerCategory = {
  EMAIL: "email",
  CARD: "card",
  PHONE: "phone",
  SSN: "ssn",
  SECRET: "secret",
} as const;
export type SanitizerCategory = (typeof SanitizerCategory)[keyof typeof SanitizerCategory];

/** The category reported for matches of caller-supplied patterns. */
export const CUSTOM_SANITIZER_CATEGORY = "custom";

/** The token each built-in category is replaced with. */
export const SANITIZER_TOKENS: Readonly<Record<SanitizerCategory, string>> = Object.freeze({
  email: "[EMAIL]",
  card: "[CARD]",
  phone: "[PHONE]",
  ssn: "[SSN]",
  secret: "[REDACTED]",
});

/** Every built-in category, the default of {@link ContextSanitizerConfig.categories}. */
export const DEFAULT_SANITIZER_CATEGORIES: readonly SanitizerCategory[] = Object.freeze(
  Object.values(SanitizerCategory),
);

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

interface Span {
  start: number;
  end: number;
}

interface Rule {
  readonly category: SanitizerFinding["category"];
  readonly replacement: string;
  find(text: string): Span[];
}

interface Redaction extends Span {
  rule: Rule;
}

/** The original text with some spans replaced by their tokens, and the offset mapping back. */
class RedactedView {
  readonly text: string;
  readonly redactions: readonly Redaction[];
  /** Where each redaction's token starts in {@link text}. */
  readonly #viewStarts: number[] = [];

  /** `redactions` must be sorted and disjoint, in original coordinates. */
  constructor(original: string, redactions: readonly Redaction[]) {
    this.redactions = redactions;
    let out = "";
    let cursor = 0;
    for (const { rule, start, end } of redactions) {
      out += original.slice(cursor, start);
      this.#viewStarts.push(out.length);
      out += rule.replacement;
      cursor = end;
    }
    this.text = redactions.length === 0 ? original : out + original.slice(cursor);
  }

  /** Maps a span of {@link text} to the original, or null when it overlaps a token. */
  toOriginal(span: Span): Span | null {
    // Index of the first redaction whose token ends after span.start.
    let low = 0;
    let high = this.redactions.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      const redaction = this.redactions[mid];
      const viewStart = this.#viewStarts[mid];
      if (redaction === undefined || viewStart === undefined) break;
      if (viewStart + redaction.rule.replacement.length <= span.start) low = mid + 1;
      else high = mid;
    }
    const next = this.#viewStarts[low];
    if (next !== undefined && next < span.end) return null;
    const previous = this.redactions[low - 1];
    const previousStart = this.#viewStarts[low - 1];
    const shift =
      previous === undefined || previousStart === undefined
        ? 0
        : previous.end - (previousStart + previous.rule.replacement.length);
    return { start: span.start + shift, end: span.end + shift };
  }

  /** The redactions plus `found` (disjoint from them), sorted. */
  merge(found: readonly Redaction[]): Redaction[] {
    return [...this.redactions, ...found].sort((a, b) => a.start - b.start);
  }
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

  /** @throws ValidationError when a pattern or category is invalid (`field` names it). */
  constructor(config: ContextSanitizerConfig = {}) {
    const parsed = configSchema.safeParse(config);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue === undefined || issue.path.length === 0 ? "config" : issue.path.join(".");
      throw new ValidationError(field, issue?.message ?? "invalid sanitizer config");
    }
    const enabled = new Set(config.categories ?? DEFAULT_SANITIZER_CATEGORIES);
    this.#builtIn = BUILT_IN_RULES.filter((rule) => enabled.has(rule.category as SanitizerCategory));
    (config.patterns ?? []).forEach((pattern, index) => {
      this.#custom.push(customRule(pattern.regex, pattern.replacement, `patterns.${index}`));
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
   * Rules run in priority order, each on the text as the earlier rules left it (their spans
   * already replaced by tokens), so a later rule never sees half of a redacted value and a second
   * pass sees what the first one did. Returned spans are in `text` coordinates, sorted.
   */
  #resolve(text: string): Redaction[] {
    if (text.length === 0) return [];
    let view = new RedactedView(text, []);
    for (const rule of [...this.#builtIn, ...this.#custom]) {
      const found: Redaction[] = [];
      for (const span of rule.find(view.text)) {
        if (span.end <= span.start || gluedToToken(view.text, span)) continue;
        if (SANITIZER_TOKEN_TEXT.test(view.text.slice(span.start, span.end))) continue;
        const original = view.toOriginal(span);
        if (original !== null) found.push({ ...original, rule });
      }
      if (found.length > 0) view = new RedactedView(text, view.merge(found));
    }
    return [...view.redactions];
  }
}

/**
 * True when `span` touches a sanitizer token. A token stands where a redacted value was, so a match
 * glued to one was glued to that value in the original text and must not be taken on a second pass.
 */
function gluedToToken(text: string, span: Span): boolean {
  if (
    text.charCodeAt(span.start - 1) === 93 /* ] */ &&
    TOKEN_AT_END.test(text.slice(Math.max(0, span.start - 10), span.start))
  ) {
    return true;
  }
  return text.charCodeAt(span.end) === 91 /* [ */ && TOKEN_AT_START.test(text.slice(span.end, span.end + 10));
}

const TOKEN_AT_END = /\[(?:EMAIL|CARD|PHONE|SSN|REDACTED)\]$/;
const TOKEN_AT_START = /^\[(?:EMAIL|CARD|PHONE|SSN|REDACTED)\]/;

// ---------------------------------------------------------------------------------------------
// Rule building blocks

type Refine = (match: RegExpExecArray, text: string) => Span | null;

/**
 * A rule from a global regex. `refine` may reject a match or narrow it to the part to redact (or
 * widen it past the match end). Scanning resumes one character after a rejected match, not after
 * its end, so that a match inside a rejected one (a keyword inside a rejected value) is still seen;
 * `resumeAfterRejection` can move that point.
 */
function regexRule(
  category: SanitizerCategory,
  regex: RegExp,
  refine?: Refine,
  resumeAfterRejection: (match: RegExpExecArray) => number = (match) => match.index + 1,
): Rule {
  return {
    category,
    replacement: SANITIZER_TOKENS[category],
    find(text) {
      const spans: Span[] = [];
      for (const match of execAll(regex, text)) {
        const span = refine ? refine(match, text) : wholeMatch(match);
        if (span !== null) {
          spans.push(span);
          // Resume where the redaction ends: a narrowed value leaves the rest of the match to scan.
          regex.lastIndex = Math.max(span.end, match.index + 1);
        } else {
          regex.lastIndex = Math.max(resumeAfterRejection(match), match.index + 1);
        }
      }
      return spans;
    },
  };
}

function* execAll(regex: RegExp, text: string): Generator<RegExpExecArray> {
  regex.lastIndex = 0;
  for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
    if (match[0].length === 0) {
      regex.lastIndex += 1;
      continue;
    }
    yield match;
  }
}

function wholeMatch(match: RegExpExecArray): Span {
  return { start: match.index, end: match.index + match[0].length };
}

/** The span of the first participating named group among `names` (regexes use the `d` flag). */
function groupSpan(match: RegExpExecArray, ...names: string[]): Span | null {
  const groups = match.indices?.groups;
  for (const name of names) {
    const range = groups?.[name];
    if (range !== undefined) return { start: range[0], end: range[1] };
  }
  return null;
}

function customRule(regex: RegExp, replacement: string, field: string): Rule {
  if (!(regex instanceof RegExp)) throw new ValidationError(field, "must be a RegExp");
  if (typeof replacement !== "string") {
    throw new ValidationError(
      field === "pattern" ? "replacement" : `${field}.replacement`,
      "must be a string",
    );
  }
  const flags = regex.flags.replace(/[gy]/g, "");
  const global = new RegExp(regex.source, `${flags}g`);
  if (matchesEmpty(global)) {
    throw new ValidationError(
      field === "pattern" ? "pattern" : `${field}.regex`,
      "must not match the empty string",
    );
  }
  if (new RegExp(regex.source, flags).test(replacement)) {
    throw new ValidationError(
      field === "pattern" ? "replacement" : `${field}.replacement`,
      "must not itself match the pattern (sanitizing would not be idempotent)",
    );
  }
  return {
    category: CUSTOM_SANITIZER_CATEGORY,
    replacement,
    find(text) {
      return Array.from(execAll(global, text), wholeMatch);
    },
  };
}

const PRINTABLE_ASCII = Array.from({ length: 95 }, (_, index) => String.fromCharCode(32 + index)).join("");
const EMPTY_MATCH_PROBES = [
  "",
  " ",
  "a",
  "0",
  "\n",
  PRINTABLE_ASCII,
  [...PRINTABLE_ASCII].reverse().join(""),
  "The quick brown fox jumps over the lazy dog. 0123456789 john@example.com",
];

/**
 * Best effort (emptiness of a regex with lookarounds is not decidable by probing): a regex that
 * yields a zero-length match on any probe is rejected. Zero-length matches are skipped at run time.
 */
function matchesEmpty(global: RegExp): boolean {
  return EMPTY_MATCH_PROBES.some((probe) => {
    global.lastIndex = 0;
    for (let match = global.exec(probe); match !== null; match = global.exec(probe)) {
      if (match[0].length === 0) return true;
    }
    return false;
  });
}

// ---------------------------------------------------------------------------------------------
// Secrets

const PEM_PRIVATE_KEY =
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[^-]*(?:-(?!----)[^-]*)*(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)?/g;

/** `scheme://user:password@host`: the userinfo (up to the last `@` before the path) is redacted. */
const URL_CREDENTIALS =
  /(?<![A-Za-z0-9+.\]-])[A-Za-z][A-Za-z0-9+.-]{1,20}:\/\/(?<v>[^\s/?#@:[\]]*:[^\s/?#[\]]+)@(?=[A-Za-z0-9]|\[(?!(?:EMAIL|CARD|PHONE|SSN|REDACTED)\]))/dg;

const JWT = /(?<![\w-])eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}(?:\.[\w-]+){0,2}(?![\w-])/g;

const BEARER = /(?<![A-Za-z0-9\]])[Bb]earer[ \t]+(?<v>[A-Za-z0-9\-._~+/]+=*)/dg;

const BASIC_AUTH =
  /(?<![\w\]])authorization["']?[ \t]*[:=][ \t]*["']?basic[ \t]+(?<v>[A-Za-z0-9+/]{8,}={0,2})/dgi;

/**
 * `<keyword><suffix><marks><separator><value>`. The keyword need not start a word (`dbPassword`,
 * `DB_PASSWORD`); a `_suffix` after it (`SECRET_KEY_BASE`) makes the value token-like only.
 */
const KEYWORD_VALUE = new RegExp(
  String.raw`(?:(?<tk>(?:api|access|private|secret)[ _-]?key|apikey|token|authorization)|(?<pw>pass(?:word|wd|code|phrase)|(?<![a-z\]])pwd?|secret))` +
    String.raw`(?<sfx>(?:[_-][A-Za-z0-9]+){0,3})` +
    // "password for the VPN is X", "password of admin@example.com: X"
    String.raw`(?:[ \t]+(?:for|of|on)(?:[ \t]+(?:the|my|your|our|this|that))?[ \t]+[\w.@-]{1,40}(?=[ \t]*[:=]|[ \t]+(?:is|was)\b))?` +
    String.raw`(?:(?<colon>["'\x60*?]{0,3}[ \t]*(?::=|[:=](?![=>]))[ \t]*(?:\*{1,2}[ \t]*)?)` +
    String.raw`|(?<is>[ \t]+(?:is|was)(?:[ \t]*:)?[ \t]+(?:(?:now|still|set[ \t]+to|changed[ \t]+to)[ \t]+)?)` +
    String.raw`|(?<bare>[ \t]+))` +
    String.raw`(?:"(?<q1>[^"\n]{1,200})"|'(?<q2>[^'\n]{1,200})'|\x60(?<q3>[^\x60\n]{1,200})\x60|(?<v>\S{1,256}))`,
  "dgi",
);

/** `curl -u user:password`, `--user user:password`. */
const CLI_USER_CREDENTIALS = /(?<![\w\]-])(?:-u|--user)(?:[ \t]+|=)["']?(?<v>[^\s:"']+:[^\s"']+)/dg;

const XML_SECRET_ELEMENT =
  /<(?:[\w-]+:)?(?:password|passwd|passphrase|secret|api[_-]?key|token)>(?<v>[^<\s]{1,200})<\//dgi;

const VENDOR_KEY = new RegExp(
  String.raw`(?<![A-Za-z0-9_-])(?:` +
    [
      String.raw`sk-(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{20,}`, // OpenAI, Anthropic
      String.raw`(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}`, // Stripe secret / restricted
      String.raw`whsec_[A-Za-z0-9]{20,}`, // Stripe webhook secret
      String.raw`(?:AKIA|ASIA)[0-9A-Z]{16}`, // AWS access key id
      String.raw`gh[pousr]_[A-Za-z0-9]{30,}`, // GitHub
      String.raw`github_pat_[A-Za-z0-9_]{30,}`,
      String.raw`xox[baprs]-[A-Za-z0-9-]{10,}`, // Slack
      String.raw`AIza[0-9A-Za-z_-]{35}`, // Google
      String.raw`glpat-[A-Za-z0-9_-]{20,}`, // GitLab
      String.raw`npm_[A-Za-z0-9]{36}`,
      String.raw`hf_[A-Za-z0-9]{30,}`, // Hugging Face
    ].join("|") +
    String.raw`)(?![A-Za-z0-9_-])`,
  "g",
);

const SANITIZER_TOKEN_TEXT = /\[(?:EMAIL|CARD|PHONE|SSN|REDACTED)\]/;

/** Ordinary words that follow "password is" / "password:" without being the password. */
const STOP_WORDS = new Set(
  `
a an the this that these those it its it's my your his her our their mine yours whose which what who
whom where when why how here there now then still also just only even ever never always usually often
sometimes currently generally typically already yet soon again not no none nothing null nil undefined
nan n/a na tbd todo tba unknown unset empty blank missing absent hidden masked redacted omitted
required mandatory optional needed necessary recommended compulsory enforced
incorrect correct invalid valid wrong right bad good great fine ok okay best better worse worst
too very quite so really rather pretty extremely
weak strong stronger weaker secure insecure safe unsafe risky simple complex easy hard short long
shorter longer old new older newer same different similar unique identical common obvious random
expired expiring expire expires stale current temporary permanent default initial
changed changing change reset resetting set setting updated updating rotated stored saved kept sent
shown displayed visible case-sensitive case-insensitive sensitive insensitive
locked unlocked disabled enabled active inactive pending complete incomplete
being been be is are was were will would should must can could may might shall
has have had does do did done doing get got
to of in on at by for from with without within into onto about above below under over after before
between through during until since via per as like than
and or but nor if because while though although unless whether
one two three all any some each every other another many much more most less least few several
case length format policy rules rule requirements requirement strength field prompt hint reminder
manager managers vault protected encrypted hashed salted
see check click use enter type contact ask visit follow call go refer read provide choose
string str number int integer boolean bool true false object void char text varchar bytes
something anything everything nobody somebody someone anyone everyone
due ours theirs
await new yield typeof function async return let const var
`
    .split(/\s+/)
    .filter((word) => word.length > 0),
);

/** Words that mark a quoted multi-word value as a sentence rather than a passphrase. */
const SENTENCE_WORDS = new Set(
  `a an the this that your my is are be was must should will can cannot not at least of to for with and
or please enter password passwords required invalid incorrect characters chars too wrong`.split(/\s+/),
);

const PLACEHOLDER =
  /^(?:\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|%\(?\w+\)?s?|\{\{.*\}\}|<[^>]*>|\*+|•+|#{3,}|\.{2,}|…|x{3,}|X{3,}|[A-Z]+(?:_[A-Z0-9]+)+|(?:your|my|insert|replace|enter)[-_ ].*|.*[-_]here)$/;

const CODE_EXPRESSION =
  /[()]|\w\[|^(?:this|self|process\.env|os\.environ|req|request|config|settings|env|options|opts|args|params|input|form|user|data|body)\.[\w$]/;

const PATH = /^(?:~|\.{1,2})?\/[\w.-]*(?:\/[\w.-]*)*$/;

/** "8 characters": a number that is a length, not a PIN. A token there was a unit-like word too. */
const FOLLOWED_BY_UNIT =
  /^[ \t]+(?:\[(?:EMAIL|CARD|PHONE|SSN|REDACTED)\]|(?:characters?|chars?|digits?|letters?|symbols?|words?|bytes?|bits?|times?|attempts?|tries|days?|weeks?|months?|years?|hours?|minutes?|seconds?|or more|or fewer|minimum|maximum)\b)/i;

const TRAILING_PUNCTUATION = /[.,;:?*)\]}"'\x60>]+$/;

const NON_SPACE_RUN = /\S*/y;

const QUERY_CONTINUATION = /&[A-Za-z_][\w.-]*=/;

function isStopValue(value: string): boolean {
  const lower = value.toLowerCase();
  return STOP_WORDS.has(lower) || /^[a-z]{3,}(?:ed|ly|able|ible)$/.test(value);
}

function isSentence(value: string): boolean {
  return value
    .toLowerCase()
    .split(/\s+/)
    .some((word) => SENTENCE_WORDS.has(word.replace(/^\W+|\W+$/g, "")));
}

function looksLikeToken(value: string): boolean {
  if (!/^[A-Za-z0-9._~+/=-]{8,}$/.test(value)) return false;
  if (/\d/.test(value) && /[A-Za-z]/.test(value)) return true;
  return value.length >= 24 && /[a-z]/.test(value) && /[A-Z]/.test(value);
}

/** Quoted values may hold any symbol (`'django-insecure-8h$#x9@q!'`) but still need letters and digits. */
function looksLikeQuotedToken(value: string): boolean {
  return /^\S{8,}$/.test(value) && /\d/.test(value) && /[A-Za-z]/.test(value);
}

/** Six or more characters from at least three of: lowercase, uppercase, digits, symbols. */
function passwordShaped(value: string): boolean {
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((pattern) => pattern.test(value)).length;
  return value.length >= 6 && classes >= 3;
}

function refineKeywordValue(match: RegExpExecArray, text: string): Span | null {
  const groups = match.groups ?? {};
  const quoted = groups.q1 ?? groups.q2 ?? groups.q3;
  let span = groupSpan(match, "q1", "q2", "q3", "v");
  if (span === null) return null;

  if (quoted === undefined && span.end - span.start === 256) {
    NON_SPACE_RUN.lastIndex = span.end;
    NON_SPACE_RUN.test(text);
    span = { start: span.start, end: NON_SPACE_RUN.lastIndex };
  }
  let value = text.slice(span.start, span.end);
  // A value holding a token was cut short by a higher-priority rule: leave the rest alone so
  // that a second pass agrees with the first.
  if (SANITIZER_TOKEN_TEXT.test(value)) return null;
  if (quoted === undefined) {
    if (/^["'\x60]/.test(value)) {
      value = value.slice(1);
      span = { start: span.start + 1, end: span.end };
    }
    // Placeholders and code are judged before trimming, which would break `${VAR}` or `env['X']`.
    if (/^[([{<]/.test(value) || PLACEHOLDER.test(value) || CODE_EXPRESSION.test(value)) return null;
    const query = QUERY_CONTINUATION.exec(value);
    if (query !== null) value = value.slice(0, query.index);
    value = value.replace(TRAILING_PUNCTUATION, "");
    span = { start: span.start, end: span.start + value.length };
  }
  value = value.trim();
  if (value.length === 0 || SANITIZER_TOKEN_TEXT.test(value)) return null;
  if (PLACEHOLDER.test(value) || PATH.test(value)) return null;
  if (/\s/.test(value) ? isSentence(value) : isStopValue(value)) return null;
  if (quoted === undefined && CODE_EXPRESSION.test(value)) return null;
  if (/^\d+$/.test(value) && FOLLOWED_BY_UNIT.test(text.slice(span.end, span.end + 24))) return null;

  // "password Tr1cky#One": with no separator, only a quoted or unmistakably password-shaped value.
  if (
    groups.bare !== undefined &&
    quoted === undefined &&
    (groups.pw === undefined || !passwordShaped(value))
  ) {
    return null;
  }
  const tokenLike = groups.tk !== undefined || (groups.sfx ?? "") !== "";
  if (tokenLike && !(quoted === undefined ? looksLikeToken(value) : looksLikeQuotedToken(value))) return null;
  const proseSecret = groups.pw?.toLowerCase() === "secret" && groups.is !== undefined;
  if (proseSecret && quoted === undefined && /^[A-Za-z][a-z]*$/.test(value)) return null;
  return span;
}

function refineBearer(match: RegExpExecArray): Span | null {
  const span = groupSpan(match, "v");
  const value = match.groups?.v ?? "";
  const tokenish = (value.length >= 8 && /\d/.test(value) && /[A-Za-z]/.test(value)) || value.length >= 20;
  return tokenish && !/^[a-z]+$/.test(value) ? span : null;
}

const SECRET_RULES: readonly Rule[] = [
  regexRule("secret", PEM_PRIVATE_KEY),
  regexRule("secret", URL_CREDENTIALS, (match) =>
    SANITIZER_TOKEN_TEXT.test(match.groups?.v ?? "") ? null : groupSpan(match, "v"),
  ),
  regexRule("secret", JWT),
  regexRule("secret", BEARER, refineBearer),
  regexRule("secret", BASIC_AUTH, (match) => groupSpan(match, "v")),
  // A rejected quoted value ("Password must be 8 characters") is skipped whole, not searched.
  regexRule("secret", KEYWORD_VALUE, refineKeywordValue, (match) =>
    (match.groups?.q1 ?? match.groups?.q2 ?? match.groups?.q3) === undefined
      ? match.index + 1
      : match.index + match[0].length,
  ),
  regexRule("secret", CLI_USER_CREDENTIALS, (match) => groupSpan(match, "v")),
  regexRule("secret", XML_SECRET_ELEMENT, (match, text) => {
    const span = groupSpan(match, "v");
    if (span === null) return null;
    const value = text.slice(span.start, span.end);
    return isStopValue(value) || PLACEHOLDER.test(value) ? null : span;
  }),
  regexRule("secret", VENDOR_KEY),
];

// ---------------------------------------------------------------------------------------------
// Emails

const EMAIL =
  /(?<![\p{L}\p{N}_%+-]|:\/\/)[\p{L}\p{N}_%+-][\p{L}\p{N}._%+-]{0,63}@(?:[\p{L}\p{N}-]{1,63}\.){1,8}(?<tld>\p{L}{2,24})(?![\p{L}\p{N}-]|:[\w~/[])/dgu;

/** "TLDs" that are really file extensions (`icon@2x.png`, `lib@next.js`). */
const FILE_EXTENSIONS = new Set(
  `png jpg jpeg gif svg webp ico bmp tif tiff avif heic pdf js mjs cjs ts tsx jsx css scss less json yaml yml
toml txt lock rb java kt html htm xml csv log exe dll wasm map`.split(/\s+/),
);

const EMAIL_RULE = regexRule("email", EMAIL, (match) =>
  FILE_EXTENSIONS.has((match.groups?.tld ?? "").toLowerCase()) ? null : wholeMatch(match),
);

// ---------------------------------------------------------------------------------------------
// SSNs

const SSN_DASHED = /(?<![\w./+-])\d{3}-\d{2}-\d{4}(?![\w-]|\.[\d[])/g;

const SSN_LABELLED =
  /(?<![\w\]])(?:ssn|social[ \t]+security(?:[ \t]+(?:number|no\.?))?)(?:[ \t]*(?:#|no\.?|number))?(?:[ \t]+(?:is|was))?[ \t]*[:#=]?[ \t]*(?<v>\d{3}[ -]?\d{2}[ -]?\d{4})(?![\w-]|\.[\d[])/dgi;

function isValidSsn(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, "");
  if (digits.length !== 9) return false;
  const area = digits.slice(0, 3);
  return (
    area !== "000" &&
    area !== "666" &&
    !area.startsWith("9") &&
    digits.slice(3, 5) !== "00" &&
    digits.slice(5) !== "0000"
  );
}

const SSN_RULES: readonly Rule[] = [
  regexRule("ssn", SSN_LABELLED, (match) => {
    const span = groupSpan(match, "v");
    return span !== null && isValidSsn(match.groups?.v ?? "") ? span : null;
  }),
  regexRule("ssn", SSN_DASHED, (match) => (isValidSsn(match[0]) ? wholeMatch(match) : null)),
];

// ---------------------------------------------------------------------------------------------
// Cards

/** Digit groups joined by single spaces or dashes; the valid card sub-runs are found in code. */
const CARD_CANDIDATE = /(?<![\w.+/\]-])\d{1,19}(?:[ -]\d{1,19}){0,18}(?![\w]|[.,]\[|\.\d|,\d{1,3}(?!\d))/g;

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

interface DigitGroup {
  start: number;
  digits: string;
  /** The separator before this group ("" for the first group of a candidate). */
  sep: string;
}

/**
 * Ends (exclusive group indices) of the card-shaped runs starting at group `i`: one group of
 * 13-19 digits, 4-6-5 / 4-6-4, or groups of 4 with a last group of 1-4, all with one separator.
 */
function cardShapedEnds(groups: readonly DigitGroup[], i: number): number[] {
  const first = groups[i];
  if (first === undefined) return [];
  const ends: number[] = [];
  const length = first.digits.length;
  if (length >= 13 && length <= 19) ends.push(i + 1);
  if (length !== 4) return ends;
  const sep = groups[i + 1]?.sep;
  const second = groups[i + 1];
  const third = groups[i + 2];
  if (second?.digits.length === 6 && third !== undefined && third.sep === sep) {
    if (third.digits.length === 5 || third.digits.length === 4) ends.push(i + 3);
  }
  let total = 4;
  for (let j = i + 1; j < groups.length && j < i + 5; j += 1) {
    const group = groups[j];
    if (group === undefined || group.sep !== sep || group.digits.length > 4) break;
    total += group.digits.length;
    if (total >= 13 && total <= 19) ends.push(j + 1);
    if (group.digits.length !== 4) break;
  }
  return ends;
}

function isCardNumber(digits: string): boolean {
  return /^[2-6]/.test(digits) && !/^(\d)\1*$/.test(digits) && luhnValid(digits);
}

function findCards(text: string): Span[] {
  const spans: Span[] = [];
  for (const match of execAll(CARD_CANDIDATE, text)) {
    const groups: DigitGroup[] = [];
    let sep = "";
    for (const part of match[0].matchAll(/(\d+)|[ -]/g)) {
      if (part[1] === undefined) {
        sep = part[0];
      } else {
        groups.push({ start: match.index + part.index, digits: part[1], sep });
      }
    }
    let i = 0;
    while (i < groups.length) {
      // The longest card-shaped, Luhn-valid run starting here wins.
      const end = cardShapedEnds(groups, i)
        .sort((a, b) => b - a)
        .find((j) =>
          isCardNumber(
            groups
              .slice(i, j)
              .map((group) => group.digits)
              .join(""),
          ),
        );
      const first = groups[i];
      const last = end === undefined ? undefined : groups[end - 1];
      if (end === undefined || first === undefined || last === undefined) {
        i += 1;
        continue;
      }
      spans.push({ start: first.start, end: last.start + last.digits.length });
      i = end;
    }
  }
  return spans;
}

const CARD_RULE: Rule = { category: "card", replacement: SANITIZER_TOKENS.card, find: findCards };

// ---------------------------------------------------------------------------------------------
// Phones

const PHONE_BEFORE = String.raw`(?<![\w+./-])`;
const PHONE_AFTER = String.raw`(?![\w]|[.-][\d[])`;

/** `+44 20 7946 0958`, `+1 (555) 123-4567`, `0049-30-123456`: country code, then separated groups. */
const PHONE_INTERNATIONAL = new RegExp(
  String.raw`(?<![\w+./-])(?<![\d)\]][ \t])(?:\+|00)[1-9]\d{0,3}(?:[ .-]?\(\d{1,4}\)[ .-]?\d{1,5}|[ .-]\d{1,6}){1,6}` +
    PHONE_AFTER,
  "g",
);

/** E.164 without separators: `+15551234567`. */
const PHONE_E164 = /(?<![\w+])\+[1-9]\d{7,14}(?!\d)/g;

const PHONE_NANP_PARENS = new RegExp(
  PHONE_BEFORE + String.raw`(?:1[ .-]?)?\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}` + PHONE_AFTER,
  "g",
);

const PHONE_NANP_SEPARATED = new RegExp(
  PHONE_BEFORE + String.raw`(?:1[ .-])?\d{3}([.-])\d{3}\1\d{4}` + PHONE_AFTER,
  "g",
);

const PHONE_NANP_SPACED = new RegExp(
  PHONE_BEFORE + String.raw`(?:1 )?[2-9]\d{2} \d{3} \d{4}` + PHONE_AFTER,
  "g",
);

/** National format with a trunk 0: `020 7946 0958`, `07700 900123`; a 2-digit area code only with dashes (`02-1234-5678`). */
const PHONE_NATIONAL = new RegExp(
  PHONE_BEFORE + String.raw`(?:0\d{2,4}[ -]\d{3,4}[ -]?\d{3,4}|0\d-\d{3,4}-\d{4})` + PHONE_AFTER,
  "g",
);

function digitCount(value: string): number {
  return value.replace(/\D/g, "").length;
}

/**
 * The longest run of whole groups from the start of the match that has 8-15 digits, balanced
 * parentheses and a clean end: `+44 20 7946 0958 555.123.4567` is two phones, not one too long.
 */
function refineInternationalPhone(match: RegExpExecArray, text: string): Span | null {
  const candidate = match[0];
  const groupEnds = Array.from(candidate.matchAll(/\d+/g), (run) => run.index + run[0].length);
  for (let i = groupEnds.length - 1; i >= 0; i -= 1) {
    const end = groupEnds[i] ?? 0;
    const prefix = candidate.slice(0, end);
    const count = digitCount(prefix);
    if (count < 8) break;
    if (count > 15 || prefix.split("(").length !== prefix.split(")").length) continue;
    const after = text.slice(match.index + end, match.index + end + 2);
    if (/^(?:\w|[.-][\d[])/.test(after)) continue;
    return { start: match.index, end: match.index + end };
  }
  return null;
}

const PHONE_RULES: readonly Rule[] = [
  regexRule("phone", PHONE_INTERNATIONAL, refineInternationalPhone),
  regexRule("phone", PHONE_E164),
  regexRule("phone", PHONE_NANP_PARENS),
  regexRule("phone", PHONE_NANP_SEPARATED),
  regexRule("phone", PHONE_NANP_SPACED),
  regexRule("phone", PHONE_NATIONAL, (match) => {
    const count = digitCount(match[0]);
    return count >= 10 && count <= 11 && /[1-9]/.test(match[0]) ? wholeMatch(match) : null;
  }),
];

/** Priority order: an earlier rule's span wins over any later overlapping match. */
const BUILT_IN_RULES: readonly Rule[] = [
  ...SECRET_RULES,
  EMAIL_RULE,
  ...SSN_RULES,
  CARD_RULE,
  ...PHONE_RULES,
];
