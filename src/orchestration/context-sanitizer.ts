/**
 * PII and secret redaction for everything OmniForge sends to sub-agents.
 *
 * {@link ContextSanitizer} replaces personal data and secrets with fixed tokens and keeps the
 * surrounding words: emails become `[EMAIL]`, Luhn-valid card numbers `[CARD]`, phone numbers
 * `[PHONE]`, US social security numbers `[SSN]`, mod-97-valid IBANs `[IBAN]`, labelled dates of
 * birth `[DOB]`, labelled card verification codes `[CARD]`, and secrets `[REDACTED]` (passwords
 * and other keyword-introduced values, vendor API keys, bearer tokens, JWTs, PEM private keys,
 * Slack/Discord webhook URLs, Azure account keys and SAS signatures, CLI password arguments,
 * `user / password` pairs, and the `user:password` part of URLs and of scheme-less
 * `user:password@host`).
 *
 * How it works: rules run in priority order (private keys, webhook URLs, URL credentials, JWTs,
 * bearer/basic credentials, Azure keys, CLI password flags, labelled `user / password` pairs,
 * keyword values, `pass` labels, CLI `-u user:password`, `user:password@host`, `user / password`
 * pairs, vendor keys, emails, IBANs, dates of birth, SSNs, cards, CVVs, phones, then custom
 * patterns), each on the text as the earlier ones left it, with their spans already replaced by
 * tokens. A match that contains a token or is glued to one (no character in between) is dropped,
 * so overlapping matches never corrupt the text and a second pass finds nothing new: `sanitize` is
 * idempotent. Consequence: a value glued to a token that was already in the input
 * (`[EMAIL]john@example.com`) is left alone.
 *
 * Unicode formatting: the built-in rules read a normalized view of the text, in which Unicode space
 * separators (no-break, narrow no-break, figure, thin, ideographic, ...) are ' ', hyphens (U+2010,
 * U+2011 non-breaking, small and fullwidth hyphen-minus) are '-', dashes (figure, en, em, bar,
 * minus sign) are '-' between two digits only (`4111–1111–...`, not `contact—john@...`), fullwidth
 * ASCII forms are ASCII (`４１１１`, `＠`, `：`), and invisible characters (zero-width space and
 * joiners, soft hyphen, word joiner, BOM, direction marks, variation selectors, tag characters) are
 * absent, so that they neither break nor hide a value. Each redaction replaces the matching span
 * of the original text, invisible characters inside it included; every other character, emoji ZWJ
 * sequences included, is output as it was, and findings are offsets into the original text. Where
 * an invisible character sits between two digits it may also stand for a card's group separator
 * (`4111<ZWSP>1111 1111 1111`). Custom patterns read the original text (with the built-in
 * redactions already replaced by tokens), so a pattern that names such characters still works.
 *
 * Linear time: regexes avoid nested ambiguous quantifiers and read at most a bounded length from
 * where they match; a value that runs on past that (a keyword value or Azure key to the next
 * whitespace, a webhook URL to its end) is measured by memoized forward searches, so that the many
 * rejected matches of repeated keywords in one long run (`token=token=...`) share one scan instead
 * of each rescanning to the end of the run. A value longer than 256 characters is judged on its
 * first 256 (and, when taken, redacted to its end). Hot regexes carry no `d` flag (match indices
 * make every match several times slower).
 *
 * Deliberate decisions (precision matters as much as recall):
 * - `@mention`, `user@localhost`, `name@192.168.0.1`, `pkg@1.2.3`, `icon@2x.png` (file-extension
 *   "TLDs"), the username in `scheme://user@host` and scp-style `git@github.com:org/repo` are not
 *   emails. Obfuscated forms (`john at example dot com`) are not detected.
 * - Cards must pass Luhn, have 13-19 digits, start with 2-6 (the issuer ranges of Visa, Mastercard,
 *   Amex, Discover, JCB, Diners, UnionPay), use one separator (space, dash, dot or slash)
 *   consistently in a known grouping (4-4-4-4[-1..3], 4-6-5, 4-6-4, or none), and not be one
 *   repeated digit. A dotted or slashed card must be a whole dot- or slash-joined chain
 *   (`4111.1111.1111.1111`, `4111/1111/1111/1111`; not inside a version, an IP, a decimal, a date
 *   or a path); digits right after an IBAN head (`DE89 `) are never a card.
 * - CVV/CVC codes are card data, so `[CARD]`: 3-4 digits after `CVV`, `CVV2`, `CVC`, `CVC2`,
 *   `CVN` or "card security/verification code" and a colon, `=`, `#` or "is" (`CVV: 123`, `my cvv
 *   is 123`, `"cvc": "4321"`). A bare `cvv 123` stays (as a bare keyword value needs a shape that
 *   3 digits never have), and so do lengths (`CVV: 3 digits`, `CVV: 123 characters`).
 * - Phones need phone formatting: `+` or `00` with a country code (8-15 digits in all), North
 *   American `(555) 123-4567` / `555-123-4567` / `555.123.4567` / `555 123 4567` (optional leading
 *   `1`), or a national number with a leading 0 and separators (`020 7946 0958`). Any 3-3-4 group
 *   joined by `-` or `.` counts as a phone. Bare digit runs, 7-digit local numbers, dates, times,
 *   versions, prices and IP addresses are not phones.
 * - SSNs are `AAA-GG-SSSS` (or 9 digits, compact or spaced, right after "SSN"/"social security
 *   number") with a valid area (not 000, 666, 9xx), group (not 00) and serial (not 0000). An
 *   unlabelled run of 9 digits is not an SSN.
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
 *   unquoted password containing `&name=` is cut there. `PIN` is not a keyword.
 * - `pass` is a password label only with `:` or `=` and a password-like value (password-shaped,
 *   or 5+ letters and digits that are not an algorithm or version name): `pass: opensesame99`,
 *   `"pass": "hunter22"`, `?user=bob&pass=s3cr3tpw`, `openssl -pass pass:X`. As a bare word it must
 *   start the label (line start, punctuation or a quote before it) or follow an account word on
 *   the same line (`user: admin pass: X`, `login`, `email`, `wifi`); as an identifier suffix
 *   (`DB_PASS=`, `smtp_pass:`) it always counts. `bus pass: monthly`, `pass: 3 days`, `boarding
 *   pass: 14C`, `PASS: test_login` and a plain-word value (`pass: hunter`) stay.
 * - Password labels in other languages (Passwort, Kennwort, contraseña, mot de passe, senha,
 *   wachtwoord, hasło, パスワード, пароль, 密码, 비밀번호, lösenord; ASCII or full-width colon, `=`, or
 *   that language's "is": ist/lautet, es, est, é, jest/to) work like `password`. Their
 *   descriptions stay: descriptive words in those languages (`mindestens`, `obligatoria`, `trop`),
 *   a number before a unit (`12 Zeichen`, `8 caractères`, `8文字以上`), or a lowercase word that
 *   leads into more words (`Contraseña: debe tener ...`).
 * - `password hunter2` (no separator): the value must be password-shaped, or letters with digits
 *   (5+ characters and not an algorithm name such as SHA256, argon2id, v2), or 6+ digits (4+ after
 *   "passcode"). Plain words (`password reset`, `password manager`) stay.
 * - `curl -u user:password` / `--user user:password`: the credentials are redacted.
 * - CLI passwords: `--password=X`, `--password X`, `--db-password X`, `--passphrase X` (not
 *   `--password-stdin`, `--password-file`, a following `-flag`, `$VAR` or `"$(...)"`); glued `-pX`
 *   only for the MySQL family (`mysql -uroot -pS3cret`; a bare `-p` prompts and stays); `-p X` for
 *   sshpass, mongo/mongosh and `docker|podman ... login`; `-P X` for sqlcmd/bcp; `-a X` for
 *   redis-cli; `openssl -passin|-passout pass:X`. The tool is looked up in the same command (back
 *   to the line start, `;`, `|` or `&`), so `docker run -p 8080:80` and `ssh -p 2222` stay.
 *   `PGPASSWORD=X` / `MYSQL_PWD=X` are keyword values.
 * - `user:password@host` without a scheme: the whole `user:password` is redacted when the host is
 *   an IP, `[v6]`, `localhost`, a dotted name, or any name followed by `:port`. Not `12:30@home`
 *   (no letter in the user), `image:tag@sha256:...`, `chown www-data:www-data`, nor a label glued
 *   to an email (`email:`, `mailto:`, `Contact:`, `sip:` — a capitalised word before the colon is a
 *   label unless the host is an IP).
 * - `user / password` pairs: the password is redacted when it is password-shaped; a weaker value
 *   (`root / calvin`, `admin / admin`) needs a lowercase username that is a well-known default
 *   account (admin, root, sa, pi, ubnt, guest, postgres, ...) or a credential word on the same line
 *   (login, sign in, credentials, creds, user/pass). Without spaces (`admin/admin`) a credential
 *   label must come right before. Not pairs of labels (`username / password:`), lists
 *   (`admin / editor / viewer`), common pairs (`read / write`, `TCP / IP`, `dev / prod`), numbers
 *   (`Q3 / Q4`, `16 / 9`) or capitalised words (`Google / GitHub`). In `Username / Password: admin
 *   / P@ss` only the second half is redacted.
 * - Slack (`hooks.slack.com/services/T.../B.../...`, workflows, triggers) and Discord
 *   (`discord[app].com/api[/vN]/webhooks/<id>/<token>`) webhook URLs are redacted whole, scheme and
 *   query included, up to whitespace, a quote, `<>` or `|`; trailing sentence punctuation and `)`
 *   are not part of them. Docs links, `{webhook.token}` and `XXXX...` placeholders stay.
 * - Azure: the values of `AccountKey=`, `SharedAccessKey=` and `sig=` up to `;`, `&`, a quote or
 *   whitespace (a trailing `.`/`,`/`)` excluded); `SharedAccessKeyName=` is not a secret, and
 *   placeholders (`<key>`, `${KEY}`, `...`) stay.
 * - IBANs: two capital letters, two check digits and the BBAN, compact or in groups of four
 *   separated by single spaces, with the registered length of that country and a valid mod-97
 *   checksum. BIC/SWIFT codes, VAT ids and invalid checksums stay.
 * - Dates of birth only after a label (`DOB`, `D.O.B.`, date of birth, birth date, birthdate,
 *   birthday, born on, Geburtsdatum, geb., geboren am, fecha de nacimiento, nacido el, date de
 *   naissance, né(e) le, data de nascimento, geboortedatum, data urodzenia, 生年月日), optionally
 *   with a format hint (`DOB (MM/DD/YYYY):`), in JSON/XML/table form: ISO (with an optional time),
 *   d/m/y or m/d/y with `/`, `-` or `.` (2- or 4-digit year), compact `19850412`, `12 April 1985`,
 *   `12-Apr-1985`, `March 3, 1979` (English, German, Spanish and French month names). The label is
 *   kept; only the date becomes `[DOB]`. Implausible dates (month 13) and unlabelled dates stay;
 *   a bare `Born 15.01.1990` is not labelled.
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
  IBAN: "iban",
  DOB: "dob",
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
  iban: "[IBAN]",
  dob: "[DOB]",
});

/** `EMAIL|CARD|...`: the names inside the built-in tokens, for regexes that must recognise a token. */
const TOKEN_NAMES = Object.values(SANITIZER_TOKENS)
  .map((token) => token.slice(1, -1))
  .join("|");

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
  /**
   * `gapBefore(i)`: whether invisible characters were dropped from the original right before
   * `text[i]` (see {@link NormalizedText}); the card rule reads such a gap as a possible separator.
   */
  find(text: string, gapBefore: (index: number) => boolean): Span[];
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
    const parts: string[] = [];
    let length = 0;
    let cursor = 0;
    for (const { rule, start, end } of redactions) {
      const kept = original.slice(cursor, start);
      parts.push(kept, rule.replacement);
      this.#viewStarts.push(length + kept.length);
      length += kept.length + rule.replacement.length;
      cursor = end;
    }
    parts.push(original.slice(cursor));
    this.text = redactions.length === 0 ? original : parts.join("");
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

  /** The redactions plus `found` (sorted, and disjoint from them), sorted. */
  merge(found: readonly Redaction[]): Redaction[] {
    const merged: Redaction[] = [];
    let i = 0;
    for (const redaction of this.redactions) {
      for (let next = found[i]; next !== undefined && next.start < redaction.start; next = found[++i]) {
        merged.push(next);
      }
      merged.push(redaction);
    }
    for (let next = found[i]; next !== undefined; next = found[++i]) merged.push(next);
    return merged;
  }
}

/**
 * The text the built-in rules read: Unicode space separators (no-break, narrow no-break, figure,
 * thin, ideographic, ...) become ' ', hyphens (U+2010, U+2011, small and fullwidth hyphen-minus)
 * become '-', dashes (figure, en, em, horizontal bar, minus sign) become '-' between two digits,
 * fullwidth ASCII forms (U+FF01-FF5E) become ASCII, and invisible characters (zero-width space,
 * joiners and non-joiner, soft hyphen, word joiner, BOM, direction marks and embeddings, variation
 * selectors, tag characters) are dropped. Every other character is kept, so offsets map back to
 * the original one to one except across dropped characters; a span mapped back covers the
 * invisible characters inside it but none at its edges.
 */
class NormalizedText {
  readonly text: string;
  /** Normalized positions right before which invisible characters were dropped, ascending. */
  readonly #gaps: number[];
  /** How many characters were dropped up to and including each gap. */
  readonly #dropped: number[];

  private constructor(text: string, gaps: number[], dropped: number[]) {
    this.text = text;
    this.#gaps = gaps;
    this.#dropped = dropped;
  }

  /** The normalized form of `original`, or null when it is already normal. */
  static of(original: string): NormalizedText | null {
    if (!needsNormalizing(original)) return null;
    const codes = new Uint16Array(original.length);
    const gaps: number[] = [];
    const dropped: number[] = [];
    let length = 0;
    for (let i = 0; i < original.length; i += 1) {
      const code = original.charCodeAt(i);
      const width = code < 0xa0 ? 0 : invisibleWidth(original, i);
      if (width > 0) {
        // Consecutive invisible characters make one gap.
        if (gaps.at(-1) === length) dropped[dropped.length - 1] = (dropped.at(-1) ?? 0) + width;
        else {
          gaps.push(length);
          dropped.push((dropped.at(-1) ?? 0) + width);
        }
        i += width - 1;
        continue;
      }
      let folded = code < 0xa0 ? code : foldedCode(code);
      if (folded === DASH) {
        const between =
          length > 0 && isDigit(codes[length - 1] ?? 0) && isDigit(nextVisibleCode(original, i + 1));
        folded = between ? 0x2d : code;
      }
      codes[length] = folded;
      length += 1;
    }
    let text = "";
    for (let start = 0; start < length; start += 8192) {
      text += String.fromCharCode(...codes.subarray(start, Math.min(length, start + 8192)));
    }
    return new NormalizedText(text, gaps, dropped);
  }

  /** Whether any invisible characters were dropped. */
  get hasGaps(): boolean {
    return this.#gaps.length > 0;
  }

  /** Whether invisible characters were dropped right before normalized position `index`. */
  gapBefore(index: number): boolean {
    const at = this.#lastGapAtOrBefore(index);
    return at >= 0 && this.#gaps[at] === index;
  }

  /** A normalized span in original offsets (with the invisible characters inside it). */
  toOriginal(span: Span): Span {
    return {
      start: span.start + this.#droppedUpTo(span.start),
      end: span.end + this.#droppedUpTo(span.end - 1),
    };
  }

  /** Characters dropped before the original of normalized position `index`. */
  #droppedUpTo(index: number): number {
    return this.#dropped[this.#lastGapAtOrBefore(index)] ?? 0;
  }

  #lastGapAtOrBefore(index: number): number {
    let low = 0;
    let high = this.#gaps.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.#gaps[mid] ?? 0) <= index) low = mid + 1;
      else high = mid;
    }
    return low - 1;
  }
}

/** Whether {@link NormalizedText} would change anything (most text is left as it is). */
function needsNormalizing(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code >= 0xa0 && (foldedCode(code) !== code || invisibleWidth(text, i) > 0)) return true;
  }
  return false;
}

/** Marks a dash, folded to '-' only between digits. */
const DASH = -2;

/** The folded code of a visible character (itself when unchanged), or {@link DASH}. */
function foldedCode(code: number): number {
  if (code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a)) return 0x20;
  if (code === 0x202f || code === 0x205f || code === 0x3000) return 0x20;
  if (code === 0x2010 || code === 0x2011 || code === 0xfe63) return 0x2d;
  if ((code >= 0x2012 && code <= 0x2015) || code === 0x2212 || code === 0xfe58) return DASH;
  if (code >= 0xff01 && code <= 0xff5e) return code - 0xfee0;
  return code;
}

/** The length (in UTF-16 units) of the invisible character at `index`, or 0. */
function invisibleWidth(text: string, index: number): number {
  const code = text.charCodeAt(index);
  if (
    code === 0xad ||
    code === 0x34f ||
    code === 0x61c ||
    (code >= 0x180b && code <= 0x180f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x206f) ||
    (code >= 0xfe00 && code <= 0xfe0f) ||
    code === 0xfeff
  ) {
    return 1;
  }
  // U+E0000-E03FF: tag characters and supplementary variation selectors.
  const low = text.charCodeAt(index + 1);
  return code === 0xdb40 && low >= 0xdc00 && low <= 0xdfff ? 2 : 0;
}

/** The folded code of the first visible character at or after `index` (NaN at the end). */
function nextVisibleCode(text: string, index: number): number {
  let i = index;
  for (let width = invisibleWidth(text, i); width > 0; width = invisibleWidth(text, i)) i += width;
  const code = text.charCodeAt(i);
  return code >= 0xff10 && code <= 0xff19 ? code - 0xfee0 : code;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
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
    return this.#custom.length === 0 ? found : applyRules(text, this.#custom, found);
  }
}

const NO_GAPS = (): boolean => false;

/**
 * Rules run in priority order, each on the text as the earlier rules left it (their spans already
 * replaced by tokens), so a later rule never sees half of a redacted value and a second pass sees
 * what the first one did. `initial` (sorted, disjoint) are redactions already made; the result
 * holds them and the new ones, in `text` coordinates, sorted.
 */
function applyRules(
  text: string,
  rules: readonly Rule[],
  initial: readonly Redaction[],
  gapBefore: (index: number) => boolean = NO_GAPS,
): Redaction[] {
  let view = new RedactedView(text, initial);
  for (const rule of rules) {
    const found: Redaction[] = [];
    const current = view;
    const viewText = current.text;
    const viewGapBefore =
      gapBefore === NO_GAPS
        ? NO_GAPS
        : (index: number): boolean => {
            const at = current.toOriginal({ start: index, end: index + 1 });
            return at !== null && gapBefore(at.start);
          };
    let previousEnd = 0;
    // The next `[` at or after bracketFrom: a span can only contain a token if it contains one.
    let bracketFrom = 0;
    let bracket = -1;
    for (const span of rule.find(viewText, viewGapBefore)) {
      if (span.end <= span.start || span.start < previousEnd || gluedToToken(viewText, span)) continue;
      if (span.start < bracketFrom || (bracket !== Infinity && bracket < span.start)) {
        bracketFrom = span.start;
        bracket = viewText.indexOf("[", span.start);
        if (bracket < 0) bracket = Infinity;
      }
      if (bracket < span.end && SANITIZER_TOKEN_TEXT.test(viewText.slice(span.start, span.end))) continue;
      const original = current.toOriginal(span);
      if (original === null) continue;
      found.push({ start: original.start, end: original.end, rule });
      previousEnd = span.end;
    }
    if (found.length > 0) view = new RedactedView(text, view.merge(found));
  }
  return [...view.redactions];
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

const TOKEN_AT_END = new RegExp(String.raw`\[(?:${TOKEN_NAMES})\]$`);
const TOKEN_AT_START = new RegExp(String.raw`^\[(?:${TOKEN_NAMES})\]`);

// ---------------------------------------------------------------------------------------------
// Rule building blocks

type Refine = (match: RegExpExecArray, text: string, scan: ForwardScan) => Span | null;

/**
 * Memoized forward searches in one text, for refinements that look past a bounded match (to the end
 * of a value, for a token inside it). A regex rule visits its matches left to right, so a question
 * asked from inside the stretch an earlier search crossed reuses that answer: many matches sharing
 * one long value (`token=token=token=...`) cost one scan of it, not one each, and the rule stays
 * linear.
 */
class ForwardScan {
  readonly #memo = new Map<RegExp, { from: number; at: number }>();
  readonly #trimmed = new Map<string, { end: number; start: number }>();

  constructor(readonly text: string) {}

  /** Start of the first match of the global `pattern` at or after `from`, or the text length. */
  next(pattern: RegExp, from: number): number {
    let memo = this.#memo.get(pattern);
    if (memo === undefined) {
      memo = { from: -1, at: -1 };
      this.#memo.set(pattern, memo);
    } else if (from >= memo.from && from <= memo.at) {
      return memo.at;
    }
    pattern.lastIndex = from;
    const match = pattern.exec(this.text);
    memo.from = from;
    memo.at = match === null ? this.text.length : match.index;
    return memo.at;
  }

  /** `end` moved back over any of `chars` (trailing punctuation), but not before `floor`. */
  trimEnd(end: number, floor: number, chars: string = TRAILING_PUNCTUATION): number {
    let memo = this.#trimmed.get(chars);
    if (memo === undefined) {
      memo = { end: -1, start: -1 };
      this.#trimmed.set(chars, memo);
    }
    if (memo.end !== end) {
      let start = end;
      while (start > 0 && chars.includes(this.text.charAt(start - 1))) start -= 1;
      memo.end = end;
      memo.start = start;
    }
    return Math.max(memo.start, floor);
  }
}

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
      const scan = new ForwardScan(text);
      for (const match of execAll(regex, text)) {
        const span = refine ? refine(match, text, scan) : wholeMatch(match);
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

/**
 * The span of the value that ends a match: `q1`/`q2`/`q3` (before one closing quote) or `v`. Needs
 * no `d` flag: match indices make every `exec` several times slower, which counts for regexes that
 * match (and are rejected) very often.
 */
function valueSpan(match: RegExpExecArray): Span | null {
  const groups = match.groups ?? {};
  const end = match.index + match[0].length;
  const quoted = groups.q1 ?? groups.q2 ?? groups.q3;
  if (quoted !== undefined) return { start: end - 1 - quoted.length, end: end - 1 };
  return groups.v === undefined ? null : { start: end - groups.v.length, end };
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
const URL_CREDENTIALS = new RegExp(
  String.raw`(?<![A-Za-z0-9+.\]-])[A-Za-z][A-Za-z0-9+.-]{1,20}:\/\/(?<v>[^\s/?#@:[\]]*:[^\s/?#[\]]+)@(?=[A-Za-z0-9]|\[(?!(?:${TOKEN_NAMES})\]))`,
  "g",
);

const JWT = /(?<![\w-])eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}(?:\.[\w-]+){0,2}(?![\w-])/g;

const BEARER = /(?<![A-Za-z0-9\]])[Bb]earer[ \t]+(?<v>[A-Za-z0-9\-._~+/]+=*)/g;

const BASIC_AUTH =
  /(?<![\w\]])authorization["']?[ \t]*[:=][ \t]*["']?basic[ \t]+(?<v>[A-Za-z0-9+/]{8,}={0,2})/gi;

/**
 * Password labels in other languages (German, Spanish, French, Portuguese, Dutch, Polish, Japanese,
 * Russian, Chinese, Korean, Swedish). `senha` must start a word (not `resenha`, a review).
 */
const FOREIGN_PASSWORD_LABELS = [
  "passwort",
  "kennwort",
  "contrase[ñn]a",
  String.raw`mot[ \t]+de[ \t]+passe`,
  "(?<![A-Za-zÀ-ÿ])senha",
  "palavra-passe",
  "wachtwoord",
  "has[łl]o",
  "パスワード",
  "пароль",
  "密码",
  "密碼",
  "비밀번호",
  "lösenord",
].join("|");

/**
 * Slack and Discord webhook URLs carry their secret in the path: the whole URL is redacted, up to
 * whitespace, a quote, `<>` or `|` (trailing sentence punctuation is trimmed in code). Docs links and
 * placeholder paths (`{webhook.token}`, `XXXX…`) do not match or are rejected.
 */
const WEBHOOK_URL =
  /(?<![\w.@/\]-])(?:https?:\/\/)?(?:hooks\.slack\.com\/(?:services\/T\w+\/B\w+\/(?<slack>\w+)|(?:workflows|triggers)\/T\w+(?:\/\w+){1,2}\/(?<flow>\w+))|(?:(?:ptb|canary)\.)?discord(?:app)?\.com\/api(?:\/v\d{1,2})?\/webhooks\/\d{5,}\/(?<discord>[\w-]+))/gi;

/** Where a webhook URL ends, or a token inside it. */
const TOKEN_OR_URL_END = new RegExp(String.raw`\[(?:${TOKEN_NAMES})\]|[\s"'\x60<>|]`, "g");

/**
 * Azure storage / Service Bus connection strings and SAS URLs: the key or signature value, which
 * starts at the last character of the match and runs to {@link AZURE_VALUE_END} (found in code).
 */
const AZURE_SECRET = /(?<![\w\]-])(?:AccountKey|SharedAccessKey|sig)[ \t]*=[ \t]*[^;&\s"'\x60<>[\]]/gi;

const AZURE_VALUE_END = /[;&\s"'\x60<>[\]]/g;

/** `--password=X`, `--db-password X`, `--passphrase 'X'` (not `--password-stdin`). */
const CLI_LONG_PASSWORD =
  /(?<![\w\]-])--(?:[A-Za-z0-9]+-)*pass(?:word|wd|phrase)(?<sep>=|[ \t]+)(?:"(?<q1>[^"\n]{1,200})"|'(?<q2>[^'\n]{1,200})'|(?<v>[^\s"'\x60]{1,256}))/gi;

/**
 * A short password flag: `-pX` glued (the MySQL family), `-p X` (sshpass, mongo, `docker login`),
 * `-P X` (sqlcmd, bcp), `-a X` (redis-cli); which tool is decided from the command in code.
 */
const CLI_SHORT_PASSWORD =
  /(?<![\w\]-])-(?<flag>[pPa])(?<sp>[ \t]+)?(?:"(?<q1>[^"\n]{1,200})"|'(?<q2>[^'\n]{1,200})'|(?<v>[^\s"'\x60]{1,256}))/g;

/** `openssl ... -passin pass:X` / `-passout pass:X`. */
const OPENSSL_PASS_ARG = /(?<![\w\]-])-pass(?:in|out)[ \t]+["']?pass:(?<v>[^\s"']{1,256})/g;

/** `Username / Password: admin / P@ss`: the second half of the value pair is the password. */
const LABELLED_CREDENTIAL_PAIR = new RegExp(
  String.raw`(?<![\w\]])(?:user(?:[ _-]?name)?|login|benutzer(?:name)?|usuario|utilisateur|usu[áa]rio)[ \t]*\/[ \t]*` +
    String.raw`(?:pass(?:word|wd)?|pwd|pw|${FOREIGN_PASSWORD_LABELS})(?:[ \t]*[:=：]|[ \t]+(?:is|are))[ \t]*` +
    String.raw`[^\s/]{1,64}[ \t]*\/[ \t]*(?:"(?<q1>[^"\n]{1,200})"|'(?<q2>[^'\n]{1,200})'|(?<v>[^\s"'\x60]{1,128}))`,
  "gi",
);

/**
 * `admin / P@ssw0rd123`, `root / calvin`, `login: admin/admin`: a username, a slash and a password.
 * Whether it is one (and not `read / write`) is decided in code.
 */
const CREDENTIAL_PAIR =
  /(?<![\w.@/\\[\]-])(?<uq>["'\x60]?)(?<u>[A-Za-z0-9_][\w.@+-]{0,63})\k<uq>(?<sep>[ \t]+\/[ \t]+|\/)(?:"(?<q1>[^"\n]{1,200})"|'(?<q2>[^'\n]{1,200})'|\x60(?<q3>[^\x60\n]{1,200})\x60|(?<v>[^\s"'\x60/]{1,128}))/g;

/**
 * `root:toor@10.0.0.5` without a scheme: `user:password` before `@host` is redacted. The host is
 * checked in code (an IP, `localhost`, a dotted name, or any name followed by a port).
 */
const HOST_CREDENTIALS =
  /(?<![\w.+:/@\\[\]%-])(?<v>[A-Za-z0-9_][\w.-]{0,63}:[^\s:/"'\x60<>,;@[\]]{1,128}(?:@[^\s:/"'\x60<>,;@[\]]{1,64}){0,3})@(?<host>\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9][A-Za-z0-9.-]{0,252})(?![\w@-])/dg;

/**
 * `<keyword><suffix><marks><separator><value>`. The keyword need not start a word (`dbPassword`,
 * `DB_PASSWORD`); a `_suffix` after it (`SECRET_KEY_BASE`) makes the value token-like only.
 */
const KEYWORD_VALUE = new RegExp(
  String.raw`(?:(?<tk>(?:api|access|private|secret)[ _-]?key|apikey|token|authorization)|(?<pw>pass(?:word|wd|code|phrase)|(?<![a-z\]])pwd?|secret|(?<fl>${FOREIGN_PASSWORD_LABELS})))` +
    String.raw`(?<sfx>(?:[_-][A-Za-z0-9]+){0,3})` +
    // "password for the VPN is X", "password of admin@example.com: X", "Passwort für das WLAN: X"
    String.raw`(?:[ \t]+(?:for|of|on|f[üu]r|von|pour|para|de|du|do|da|del|voor|van|dla)` +
    String.raw`(?:[ \t]+(?:the|my|your|our|this|that|das|die|der|den|dem|le|la|les|l'|el|los|las|o|a|os|as|het|de))?` +
    String.raw`[ \t]+[\w.@-]{1,40}(?=[ \t]*[:=：]|[ \t]+(?:is|was|ist|lautet|es|est|é|jest|to|wynosi)(?![\w])))?` +
    String.raw`(?:(?<colon>["'\x60*?]{0,3}[ \t]*(?::=|[:=：](?![=>]))[ \t]*(?:\*{1,2}[ \t]*)?)` +
    // "is"/"was", and after a foreign label its own: "Das Passwort ist/lautet X", "la contraseña es X"
    String.raw`|(?<is>[ \t]+(?:is|was|(?<fis>ist|lautet|es|est|é|jest|to|wynosi))(?:[ \t]*:)?[ \t]+(?:(?:now|still|set[ \t]+to|changed[ \t]+to)[ \t]+)?)` +
    String.raw`|(?<bare>[ \t]+))` +
    String.raw`(?:"(?<q1>[^"\n]{1,200})"|'(?<q2>[^'\n]{1,200})'|\x60(?<q3>[^\x60\n]{1,200})\x60|(?<v>\S))`,
  "gi",
);

/** `curl -u user:password`, `--user user:password`. */
const CLI_USER_CREDENTIALS = /(?<![\w\]-])(?:-u|--user)(?:[ \t]+|=)["']?(?<v>[^\s:"']{1,256}:[^\s"']+)/g;

/**
 * `pass: X`, `pass=X`, `"pass": "X"`, `DB_PASS=X`: `pass` as a label (a colon or `=` after it).
 * Whether it labels a password (not `bus pass: monthly`) is decided in code.
 */
const PASS_LABEL =
  /(?<![\p{L}\p{N}_-])(?<id>(?:[A-Za-z0-9]+_){1,4})?pass["']?[ \t]*[:=][ \t]*(?:"(?<q1>[^"\n]{1,200})"|'(?<q2>[^'\n]{1,200})'|(?<v>[^\s"'\x60]{1,128}))/giu;

/** Before a bare `pass` label: the line start, punctuation or a quote, or openssl's `-pass`. */
const PASS_LABEL_BEFORE = /(?:^|[,;|{([<>"'\x60&?]|(?<![\w-])-pass(?:in|out)?)[ \t]*$/;

/** Words on the line before a bare `pass:` that make it the password of an account. */
const PASS_LABEL_CONTEXT =
  /(?:^|[^\p{L}])(?:user(?:[ _-]?name)?|login|e-?mail|account|credentials?|creds|ssid|wi-?fi)(?![\p{L}])/iu;

function refinePassLabel(match: RegExpExecArray, text: string): Span | null {
  const span = plainValueSpan(match, false);
  if (span === null) return null;
  const value = text.slice(span.start, span.end);
  const lettersAndDigits = /^[A-Za-z0-9]{5,}$/.test(value) && /\d/.test(value) && /[A-Za-z]/.test(value);
  if (!lettersAndDigits && !passwordShaped(value)) return null;
  if (isStopValue(value) || PATH.test(value) || ALGORITHM_NAME.test(value)) return null;
  if (match.groups?.id !== undefined) return span;
  const before = lineBefore(text, match.index, 80);
  return PASS_LABEL_BEFORE.test(before) || PASS_LABEL_CONTEXT.test(before) ? span : null;
}

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

const SANITIZER_TOKEN_TEXT = new RegExp(String.raw`\[(?:${TOKEN_NAMES})\]`);

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

/**
 * Words that describe a password after a foreign label ("Passwort: mindestens 12 Zeichen",
 * "contraseña: obligatoria", "mot de passe : trop court", "パスワード：必須").
 */
const FOREIGN_DESCRIPTIVE_WORDS = new Set(
  `
mindestens höchstens maximal minimal min mind max muss müssen sollte soll ist sind wird zu nicht kein keine
falsch ungültig erforderlich notwendig pflicht pflichtfeld optional vergessen ändern zurücksetzen leer
geändert abgelaufen kurz lang sicher unsicher stark schwach bitte eingeben siehe neu neues alt gesetzt
gespeichert verschlüsselt zeichen
mínimo minimo máximo maximo debe deben son al menos obligatoria obligatorio requerida requerido incorrecta
incorrecto inválida invalida olvidada vacía vacia nueva actual segura débil fuerte cambiar restablecer
caracteres introduzca ingrese sin
au moins doit doivent est obligatoire requis requise incorrecte invalide oublié oubliée vide trop court
courte longue nouveau nouvelle actuel actuelle caractères minimum maximum avec pour sans voir saisir
entrez votre faible forte sécurisé modifier réinitialiser changer
obrigatória obrigatório obrigatoria obrigatorio pelo mínimo deve devem é incorreta incorreto inválido
esqueceu esqueci vazia nova atual fraca alterar redefinir trocar digite sua seu
minimaal maximaal minstens ten moet moeten verplicht onjuist ongeldig vergeten leeg nieuw nieuwe huidig
huidige zwak sterk wijzigen resetten tekens uw
co najmniej wymagane wymagany wymagana musi jest nieprawidłowe nieprawidłowy błędne niepoprawne
zapomniane puste nowe aktualne słabe silne zmień zmienić znaków znaki twoje maks
必須 未設定 任意 なし 不要 変更 再設定 入力 半角英数字 英数字
`
    .split(/\s+/)
    .filter((word) => word.length > 0),
);

const PLACEHOLDER_SHAPE =
  /^(?:\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|%\(?\w+\)?s?|\{\{.*\}\}|<[^>]*>|\*+|•+|#{3,}|\.{2,}|…|x{3,}|X{3,}|[A-Z]+(?:_[A-Z0-9]+)+|(?:your|my|insert|replace|enter)[-_ ].*)$/;

/** `${VAR}`, `<password>`, `********`, `your-key`, `token_here`, ... (values never hold a line break). */
function isPlaceholder(value: string): boolean {
  // `-here`/`_here` as a string check: `/^.*[-_]here$/` walks the whole value for every candidate.
  const here = value.length >= 5 && value.endsWith("here") && "-_".includes(value.charAt(value.length - 5));
  return here || PLACEHOLDER_SHAPE.test(value);
}

/** The start of a code expression: `process.env.X`, `config.password`. */
const CODE_OBJECT_START =
  /^(?:this|self|process\.env|os\.environ|req|request|config|settings|env|options|opts|args|params|input|form|user|data|body)\.[\w$]/;

/** Code-like values: `getPassword()`, `env['X']`, `process.env.X`, `config.password`. */
const CODE_EXPRESSION = new RegExp(String.raw`[()]|\w\[|${CODE_OBJECT_START.source}`);

/** A call or an index anywhere in a value (see {@link CODE_EXPRESSION}), or the whitespace that ends it. */
const CODE_MARK_OR_WHITESPACE = /[()]|\w\[|\s/g;

const PATH = /^(?:~|\.{1,2})?\/[\w.-]*(?:\/[\w.-]*)*$/;

/**
 * "8 characters": a number that is a length, not a PIN (also "12 Zeichen", "8 caractères", "8 tekens",
 * "8 znaków"). A token there was a unit-like word too.
 */
const FOLLOWED_BY_UNIT = new RegExp(
  String.raw`^[ \t]+(?:\[(?:${TOKEN_NAMES})\]|(?:characters?|chars?|digits?|letters?|symbols?|words?|bytes?|bits?|times?|attempts?|tries|days?|weeks?|months?|years?|hours?|minutes?|seconds?|or more|or fewer|minimum|maximum` +
    String.raw`|zeichen|stellen|ziffern|buchstaben|caracteres|car[áa]cteres|caract[èe]res|chiffres|d[íi]gitos|lettres|letras|tekens|cijfers|letters|znak[óo]w|znaki|cyfr)(?![\p{L}\p{N}]))`,
  "iu",
);

/** "8文字以上": a number glued to a CJK length unit. */
const GLUED_UNIT = /^\d+(?:文字|桁|位|个字符|個字元|자)/;

const FOLLOWED_BY_WORD = new RegExp(String.raw`^[ \t]+(?:[\p{L}\p{N}]|\[(?:${TOKEN_NAMES})\])`, "u");

const PAIR_USERNAME_BEFORE_TOKEN = /^[ \t]*\/[ \t]*\[REDACTED\]/;

/** Sentence punctuation and closing marks that end a value without being part of it. */
const TRAILING_PUNCTUATION = ".,;:?*)]}\"'`>";

/** `value` without trailing {@link TRAILING_PUNCTUATION} (a loop: `/[...]+$/` rescans from every position). */
function trimTrailingPunctuation(value: string): string {
  let end = value.length;
  while (end > 0 && TRAILING_PUNCTUATION.includes(value.charAt(end - 1))) end -= 1;
  return value.slice(0, end);
}

/** The longest unquoted keyword value the regex reads; a longer one is judged on this much of it. */
const VALUE_WINDOW = 256;

const WHITESPACE = /\s/g;

const TOKEN_OR_WHITESPACE = new RegExp(String.raw`\[(?:${TOKEN_NAMES})\]|\s`, "g");

/** `&name=`: an unquoted password is cut where a query string continues. */
const QUERY_OR_WHITESPACE = /&[A-Za-z_][\w.-]*=|\s/g;

const LONGEST_STOP_WORD = Math.max(
  ...[...STOP_WORDS, ...FOREIGN_DESCRIPTIVE_WORDS].map((word) => word.length),
);

function isStopValue(value: string): boolean {
  if (value.length <= LONGEST_STOP_WORD) {
    const lower = value.toLowerCase();
    if (STOP_WORDS.has(lower) || FOREIGN_DESCRIPTIVE_WORDS.has(lower)) return true;
  }
  return /^[a-z]{3,}(?:ed|ly|able|ible)$/.test(value);
}

/** Algorithm, encoding and protocol names that follow "password" without being one ("password SHA256"). */
const ALGORITHM_NAME =
  /^(?:sha-?\d*|sha3(?:-\d+)?|md[2-6]|argon2(?:id|i|d)?|pbkdf2|bcrypt|scrypt|yescrypt|aes-?\d*|des3?|3des|rsa-?\d*|ecdsa\d*|ed25519|hmac(?:-?sha\d*)?|ntlm(?:v2)?|base\d+|utf-?\d+|rot\d+|x509|oauth2?|http[s23]?|ipv[46]|tls(?:v?1(?:\.\d)?)?|ssl(?:v\d)?|crc\d+|2fa|mfa|v\d+(?:\.\d+)*)$/i;

/**
 * A value right after a password keyword with no separator ("password hunter2"): password-shaped,
 * or letters with digits (5+ characters, not an algorithm name like SHA256), or 6+ digits (4+ after
 * "passcode"). Plain words ("password reset", "password manager") are not.
 */
function barePasswordValue(value: string, keyword: string): boolean {
  if (ALGORITHM_NAME.test(value)) return false;
  if (passwordShaped(value)) return true;
  if (/^\d+$/.test(value)) return value.length >= (/^passcode$/i.test(keyword) ? 4 : 6);
  return /^[A-Za-z0-9]{5,}$/.test(value) && /\d/.test(value) && /[A-Za-z]/.test(value);
}

function isSentence(value: string): boolean {
  return value
    .toLowerCase()
    .split(/\s+/)
    .some((word) => SENTENCE_WORDS.has(word.replace(/^\W+|\W+$/g, "")));
}

/**
 * `text[start, end)` is token-shaped: 8+ characters of `[A-Za-z0-9._~+/=-]` with letters and digits,
 * or 24+ with both cases. Asked through `scan`, so that overlapping values cost O(1) each.
 */
function looksLikeToken(scan: ForwardScan, start: number, end: number): boolean {
  if (end - start < 8 || scan.next(NOT_TOKEN_CHAR, start) < end) return false;
  if (scan.next(DIGIT, start) < end && scan.next(LETTER, start) < end) return true;
  return end - start >= 24 && scan.next(LOWERCASE, start) < end && scan.next(UPPERCASE, start) < end;
}

const NOT_TOKEN_CHAR = /[^A-Za-z0-9._~+/=-]/g;
const DIGIT = /\d/g;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/gu;
const LETTER = /[A-Za-z]/g;
const LOWERCASE = /[a-z]/g;
const UPPERCASE = /[A-Z]/g;

/** Quoted values may hold any symbol (`'django-insecure-8h$#x9@q!'`) but still need letters and digits. */
function looksLikeQuotedToken(value: string): boolean {
  return /^\S{8,}$/.test(value) && /\d/.test(value) && /[A-Za-z]/.test(value);
}

/** Six or more characters from at least three of: lowercase, uppercase, digits, symbols. */
function passwordShaped(value: string): boolean {
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((pattern) => pattern.test(value)).length;
  return value.length >= 6 && classes >= 3;
}

function refineKeywordValue(match: RegExpExecArray, text: string, scan: ForwardScan): Span | null {
  const groups = match.groups ?? {};
  // "ist", "es", "to"... are copulas only after a foreign label ("send the password to X" is not one).
  if (groups.fis !== undefined && groups.fl === undefined) return null;
  const quoted = groups.q1 ?? groups.q2 ?? groups.q3;
  let span = valueSpan(match);
  if (span === null) return null;
  let value: string;
  if (quoted === undefined) {
    // An unquoted value runs to the next whitespace (the regex reads only its first character).
    const runEnd = scan.next(WHITESPACE, span.start);
    // A value holding a token was cut short by a higher-priority rule: leave the rest alone so
    // that a second pass agrees with the first.
    if (scan.next(TOKEN_OR_WHITESPACE, span.start) < runEnd) return null;
    const start = /["'\x60]/.test(text.charAt(span.start)) ? span.start + 1 : span.start;
    // A value longer than VALUE_WINDOW is judged on its start, so that each of many keywords in
    // one long value (`token=token=...`) costs a bounded amount.
    const head = text.slice(start, Math.min(runEnd, start + VALUE_WINDOW));
    // Placeholders and code are judged before trimming, which would break `${VAR}` or `env['X']`.
    if (/^[([{<]/.test(head) || isPlaceholder(head) || CODE_OBJECT_START.test(head)) return null;
    if (scan.next(CODE_MARK_OR_WHITESPACE, start) < runEnd) return null;
    // Cut at `&name=` (a query string continues), then trailing punctuation.
    const end = scan.trimEnd(Math.min(runEnd, scan.next(QUERY_OR_WHITESPACE, start)), start);
    if (end === start) return null;
    span = { start, end };
    value = text.slice(start, Math.min(end, start + VALUE_WINDOW));
  } else {
    value = text.slice(span.start, span.end);
    if (SANITIZER_TOKEN_TEXT.test(value)) return null;
    value = value.trim();
    if (value.length === 0) return null;
  }
  // Every check below only rejects, so the cheap and most selective ones come first.
  const tokenLike = groups.tk !== undefined || (groups.sfx ?? "") !== "";
  if (
    tokenLike &&
    !(quoted === undefined ? looksLikeToken(scan, span.start, span.end) : looksLikeQuotedToken(value))
  ) {
    return null;
  }
  // "password hunter2": with no separator, only a quoted or password-like value.
  if (
    groups.bare !== undefined &&
    quoted === undefined &&
    (groups.pw === undefined || !barePasswordValue(value, groups.pw))
  ) {
    return null;
  }
  if (isPlaceholder(value) || PATH.test(value)) return null;
  if (quoted !== undefined && /\s/.test(value) ? isSentence(value) : isStopValue(value)) return null;
  if (/^\d+$/.test(value) && FOLLOWED_BY_UNIT.test(text.slice(span.end, span.end + 24))) return null;
  if (GLUED_UNIT.test(value)) return null;
  // "Passwort: mindestens 12 Zeichen": after a foreign label, a lowercase word leading into more
  // words (or a token, which replaced one) describes the password.
  if (
    groups.fl !== undefined &&
    /^\p{Ll}+$/u.test(value) &&
    FOLLOWED_BY_WORD.test(text.slice(span.end, span.end + 12))
  ) {
    return null;
  }
  // "Username / Password: admin / [REDACTED]": the value is the username of a redacted pair.
  if (PAIR_USERNAME_BEFORE_TOKEN.test(text.slice(span.end, span.end + 16))) return null;
  const proseSecret = groups.pw?.toLowerCase() === "secret" && groups.is !== undefined;
  if (proseSecret && quoted === undefined && /^[A-Za-z][a-z]*$/.test(value)) return null;
  return span;
}

function refineBearer(match: RegExpExecArray): Span | null {
  const span = valueSpan(match);
  const value = match.groups?.v ?? "";
  const tokenish = (value.length >= 8 && /\d/.test(value) && /[A-Za-z]/.test(value)) || value.length >= 20;
  return tokenish && !/^[a-z]+$/.test(value) ? span : null;
}

/** Sentence punctuation and markup that can follow a URL without being part of it. */
const URL_TRAILING = ".,;:!?)]}*";

function refineWebhook(match: RegExpExecArray, text: string, scan: ForwardScan): Span | null {
  const groups = match.groups ?? {};
  const secret = groups.slack ?? groups.flow ?? groups.discord ?? "";
  if (isPlaceholder(secret) || /^(?:x+|0+)$/i.test(secret)) return null;
  // The URL runs on to whitespace, a quote, `<>` or `|`. A token in it is judged before trimming,
  // which could cut the token in half.
  const end = scan.next(TOKEN_OR_URL_END, match.index);
  if (text.charAt(end) === "[") return null;
  return { start: match.index, end: scan.trimEnd(end, match.index, URL_TRAILING) };
}

/**
 * The span of a `q1`/`q2`/`q3`/`v` value that is not a placeholder, shell variable, code or token;
 * unquoted values lose trailing punctuation. `spaced` values (after a space, not `=` or glued) must
 * also not be a flag (`-x`) or an ordinary word.
 */
function plainValueSpan(match: RegExpExecArray, spaced: boolean): Span | null {
  const groups = match.groups ?? {};
  const quoted = groups.q1 ?? groups.q2 ?? groups.q3;
  const span = valueSpan(match);
  if (span === null) return null;
  let value = quoted ?? groups.v ?? "";
  if (/^\$/.test(value) || SANITIZER_TOKEN_TEXT.test(value)) return null;
  if (quoted === undefined) {
    if (spaced && value.startsWith("-")) return null;
    if (/^[([{<]/.test(value) || isPlaceholder(value) || CODE_EXPRESSION.test(value)) return null;
    value = trimTrailingPunctuation(value);
  }
  const trimmed = value.trim();
  if (!/[\p{L}\p{N}]/u.test(trimmed) || isPlaceholder(trimmed)) return null;
  if (spaced && (isStopValue(trimmed) || CLI_WORDS.has(trimmed.toLowerCase()))) return null;
  return { start: span.start, end: span.start + value.length };
}

/** Words that follow `--password` in prose about the flag. */
const CLI_WORDS = new Set(
  "flag flags option options argument arguments arg args parameter parameters param params switch instead prompt".split(
    " ",
  ),
);

function refineAzureSecret(match: RegExpExecArray, text: string, scan: ForwardScan): Span | null {
  const start = match.index + match[0].length - 1;
  const rawEnd = scan.next(AZURE_VALUE_END, start);
  // A long value is judged on its start (as keyword values are), so that many keys in one long
  // value cost a bounded amount each.
  const raw = text.slice(start, Math.min(rawEnd, start + VALUE_WINDOW));
  if (/^[$({]/.test(raw) || isPlaceholder(raw) || scan.next(LETTER_OR_DIGIT, start) >= rawEnd) return null;
  const end = scan.trimEnd(rawEnd, start, ".,)]}");
  const value = text.slice(start, Math.min(end, start + VALUE_WINDOW));
  if (value.length === 0 || isPlaceholder(value) || isStopValue(value)) return null;
  if (/^(?:key|value|string|base64|signature|secret|sig)$/i.test(value)) return null;
  return { start, end };
}

/** The shell command a flag at `index` belongs to: back to the line start or `;`, `|`, `&`. */
function commandBefore(text: string, index: number): string {
  const before = text.slice(Math.max(0, index - 200), index);
  const cut = Math.max(
    before.lastIndexOf("\n"),
    before.lastIndexOf(";"),
    before.lastIndexOf("|"),
    before.lastIndexOf("&"),
  );
  return before.slice(cut + 1);
}

const MYSQL_CLIENT =
  /(?<![\w\]-])(?:mysql(?:dump|admin|import|check|show|sh|pump|slap|binlog)?|mariadb(?:-?(?:dump|admin|import|check|show))?|mycli)(?![\w[-])/;

/** Tools whose `-p` takes the password as the next argument. */
const SPACED_P_CLIENT =
  /(?<![\w\]-])(?:sshpass|mongo(?:sh|dump|restore|import|export|stat|top|files)?)(?![\w[-])|(?<![\w\]-])(?:docker|podman|nerdctl|buildah|skopeo|oras|helm[ \t]+registry)[ \t]+login(?![\w[-])/;

/** A cheap first check: the command names any tool whose short flag can carry a password. */
const ANY_PASSWORD_CLIENT = /(?:mysql|mariadb|mycli|sshpass|mongo|login|sqlcmd|bcp|osql|isql|redis-cli)/;

const SQLCMD_CLIENT = /(?<![\w\]-])(?:sqlcmd|bcp|osql|isql)(?![\w[-])/;

const REDIS_CLIENT = /(?<![\w\]-])redis-cli(?![\w[-])/;

/** `-pX` for the MySQL family; `-p X` for sshpass/mongo/registry logins; `-P X` sqlcmd; `-a X` redis-cli. */
function refineCliShortPassword(match: RegExpExecArray, text: string): Span | null {
  const groups = match.groups ?? {};
  const spaced = groups.sp !== undefined;
  const command = commandBefore(text, match.index);
  if (!ANY_PASSWORD_CLIENT.test(command)) return null;
  let known: boolean;
  if (groups.flag === "p") {
    known = SPACED_P_CLIENT.test(command) || (!spaced && MYSQL_CLIENT.test(command));
  } else if (groups.flag === "P") {
    known = SQLCMD_CLIENT.test(command);
  } else {
    known = REDIS_CLIENT.test(command);
  }
  return known ? plainValueSpan(match, spaced) : null;
}

/** Words that label the username half of a `user / password` pair rather than being one. */
const USER_LABELS = new Set(
  `username usernames user users user-name user_name userid user_id uid login logins email e-mail emails mail
name names id ids account accounts phone benutzer benutzername usuario utilisateur identifiant`.split(/\s+/),
);

/** Common second halves of `x / y` that are not passwords: `read / write`, `admin / editor`, `dev / prod`. */
const NOT_PASSWORDS = new Set(
  `write writes read reads execute exec or and ip udp tcp output outputs input inputs server servers client
clients off on no yes false true out in down up dark light dev prod production staging test testing qa
development editor editors viewer viewers member members moderator moderators owner owners reader readers
writer writers contributor contributors maintainer maintainers developer developers staff group groups
other others world everyone guest guests user users admin admins administrator root superuser operator
mysql postgres postgresql sqlite mongodb redis oracle mssql windows linux macos mac ios android
lowercase uppercase`.split(/\s+/),
);

const PASSWORD_WORD = new RegExp(
  String.raw`^(?:pass(?:word|wd|phrase)?|pwd|pw|pin|${FOREIGN_PASSWORD_LABELS})$`,
  "i",
);

/** Accounts that ship as defaults, so that `root / calvin` or `pi / raspberry` is credentials. */
const DEFAULT_USERS = new Set(
  `admin administrator root sa pi ubnt guest oracle elastic tomcat vagrant superuser sysadmin webadmin dbadmin
ec2-user postgres`.split(/\s+/),
);

/** Words on the same line that present the pair as credentials. */
const CREDENTIAL_CONTEXT =
  /(?:^|[^\p{L}])(?:log(?:ged)?[ -]?(?:in|on)|login|logon|sign(?:ed)?[ -]?in|credentials?|creds|default[ \t]+(?:login|user(?:name)?|account|password|pass)|user(?:name)?[ \t]*\/[ \t]*pass(?:word|wd)?|username[ \t]+and[ \t]+password|anmeld\w*|zugangsdaten|identifiants|credenciales|inicio[ \t]+de[ \t]+sesi[óo]n)(?![\p{L}])/iu;

/** A credential label right before the username: `login: `, `credentials `, `log in with `. */
const CREDENTIAL_LABEL_BEFORE =
  /(?:log(?:[ -]?in|on)|sign[ -]?in|credentials?|creds|default|user(?:name)?[ \t]*\/[ \t]*pass(?:word|wd)?)[ \t]*(?:[:=-]|(?:is|are|as|with|using)(?![\p{L}]))?[ \t]*["'\x60]?$/iu;

function lineBefore(text: string, index: number, length: number): string {
  const before = text.slice(Math.max(0, index - length), index);
  return before.slice(before.lastIndexOf("\n") + 1);
}

function refineCredentialPair(match: RegExpExecArray, text: string): Span | null {
  const groups = match.groups ?? {};
  const user = groups.u ?? "";
  const raw = valueSpan(match);
  if (raw === null || !/[A-Za-z]/.test(user)) return null;
  const before = lineBefore(text, match.index, 80);
  // Lists and paths: `admin / editor / viewer`, `Home / Settings / Security`.
  const after = text.slice(raw.end + (groups.v === undefined ? 1 : 0), raw.end + 8);
  if (/\/[ \t]*$/.test(before) || /^[ \t]*\//.test(after)) return null;
  // A label pair: `username / password:`.
  if (groups.v?.endsWith(":") === true || text.charAt(raw.end) === ":") return null;
  const span = plainValueSpan(match, false);
  if (span === null) return null;
  const value = text.slice(span.start, span.end);
  const lowerUser = user.toLowerCase();
  const lowerValue = value.toLowerCase();
  if (USER_LABELS.has(lowerUser) || isStopValue(user) || isStopValue(value)) return null;
  if (lowerValue !== lowerUser && (NOT_PASSWORDS.has(lowerValue) || lowerValue.startsWith("non-"))) {
    return null;
  }
  if (PATH.test(value) || /^\d{1,3}$/.test(value)) return null;
  // "username admin / password admin": a password label followed by its value is not the password.
  if (PASSWORD_WORD.test(value) && /^[ \t]*[:=]?[ \t]*[^\s:=]/.test(text.slice(span.end, span.end + 4))) {
    return null;
  }
  // `admin/admin` needs a label ("login: ", "credentials ") and a value that is not a plain word.
  if (groups.sep === "/") {
    const plausible = DEFAULT_USERS.has(lowerUser) || lowerValue === lowerUser || /[^A-Za-z]/.test(value);
    return plausible && CREDENTIAL_LABEL_BEFORE.test(before) ? span : null;
  }
  if (passwordShaped(value)) return span;
  // Weaker values need a lowercase username that is a default account or is presented as one.
  if (!/^[a-z0-9_][a-z0-9._@+-]*$/.test(user)) return null;
  return DEFAULT_USERS.has(lowerUser) || CREDENTIAL_CONTEXT.test(before) ? span : null;
}

/** Labels glued to an address with a colon (`email:x@y.com`), not a username. */
const ADDRESS_LABELS = new Set(
  `email e-mail mail mailto contact from to cc bcc reply-to sender recipient author by at via user username
login sip sips xmpp tel im skype note see ping ask kontakt correo courriel http https ftp ftps sftp ssh git svn smtp
imap pop pop3 ldap ldaps irc news nntp webcal geo callto facetime telnet`.split(/\s+/),
);

function refineHostCredentials(match: RegExpExecArray, text: string): Span | null {
  const groups = match.groups ?? {};
  const userinfo = groups.v ?? "";
  const user = userinfo.slice(0, userinfo.indexOf(":"));
  const password = userinfo.slice(userinfo.indexOf(":") + 1);
  if (!/[A-Za-z]/.test(user) || ADDRESS_LABELS.has(user.toLowerCase())) return null;
  if (isPlaceholder(password) || /^\$/.test(password)) return null;
  const host = (groups.host ?? "").replace(/[.-]+$/, "");
  const hostEnd = (match.indices?.groups?.host?.[0] ?? 0) + host.length;
  const literal =
    /^(?:\d{1,3}\.){3}\d{1,3}$/.test(host) || host.startsWith("[") || host.toLowerCase() === "localhost";
  // A capitalised word before the colon is a label ("Email:", "Kontakt:") unless the host is an IP.
  if (/^[A-Z][a-z]+$/.test(user) && !literal) return null;
  if (/^sha\d+$/i.test(host)) return null;
  const dotted = /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z][A-Za-z0-9-]*$/.test(host);
  const port = /^:\d{1,5}(?![\w:])/.test(text.slice(hostEnd, hostEnd + 7));
  return literal || dotted || port ? groupSpan(match, "v") : null;
}

const SECRET_RULES: readonly Rule[] = [
  regexRule("secret", PEM_PRIVATE_KEY),
  regexRule("secret", WEBHOOK_URL, refineWebhook),
  regexRule("secret", URL_CREDENTIALS, (match) => {
    // The userinfo ends right before the `@` that ends the match.
    const userinfo = match.groups?.v ?? "";
    const end = match.index + match[0].length - 1;
    return SANITIZER_TOKEN_TEXT.test(userinfo) ? null : { start: end - userinfo.length, end };
  }),
  regexRule("secret", JWT),
  regexRule("secret", BEARER, refineBearer),
  regexRule("secret", BASIC_AUTH, valueSpan),
  // Before keyword values, which would take `SharedAccessKey=...` up to the next space.
  regexRule("secret", AZURE_SECRET, refineAzureSecret),
  regexRule("secret", CLI_LONG_PASSWORD, (match) => plainValueSpan(match, match.groups?.sep !== "=")),
  regexRule("secret", OPENSSL_PASS_ARG, (match) => plainValueSpan(match, false)),
  regexRule("secret", CLI_SHORT_PASSWORD, refineCliShortPassword),
  regexRule("secret", LABELLED_CREDENTIAL_PAIR, (match) => plainValueSpan(match, false)),
  // A rejected quoted value ("Password must be 8 characters") is skipped whole, not searched.
  regexRule("secret", KEYWORD_VALUE, refineKeywordValue, (match) =>
    (match.groups?.q1 ?? match.groups?.q2 ?? match.groups?.q3) === undefined
      ? match.index + 1
      : match.index + match[0].length,
  ),
  regexRule("secret", PASS_LABEL, refinePassLabel),
  regexRule("secret", CLI_USER_CREDENTIALS, valueSpan),
  regexRule("secret", HOST_CREDENTIALS, refineHostCredentials),
  regexRule("secret", CREDENTIAL_PAIR, refineCredentialPair),
  regexRule("secret", XML_SECRET_ELEMENT, (match, text) => {
    const span = groupSpan(match, "v");
    if (span === null) return null;
    const value = text.slice(span.start, span.end);
    return isStopValue(value) || isPlaceholder(value) ? null : span;
  }),
  regexRule("secret", VENDOR_KEY),
];

// ---------------------------------------------------------------------------------------------
// Emails

const EMAIL =
  /(?<![\p{L}\p{N}_%+-]|:\/\/)[\p{L}\p{N}_%+-][\p{L}\p{N}._%+-]{0,63}@(?:[\p{L}\p{N}-]{1,63}\.){1,8}(?<tld>\p{L}{2,24})(?![\p{L}\p{N}-]|:[\w~/[])/gu;

/** "TLDs" that are really file extensions (`icon@2x.png`, `lib@next.js`). */
const FILE_EXTENSIONS = new Set(
  `png jpg jpeg gif svg webp ico bmp tif tiff avif heic pdf js mjs cjs ts tsx jsx css scss less json yaml yml
toml txt lock rb java kt html htm xml csv log exe dll wasm map`.split(/\s+/),
);

const EMAIL_RULE = regexRule("email", EMAIL, (match) =>
  FILE_EXTENSIONS.has((match.groups?.tld ?? "").toLowerCase()) ? null : wholeMatch(match),
);

// ---------------------------------------------------------------------------------------------
// IBANs

/** Compact (`DE89370400440532013000`) or in groups of four (`DE89 3704 0044 0532 0130 00`). */
const IBAN_CANDIDATE =
  /(?<![A-Za-z0-9\]])[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)(?![A-Za-z0-9[])/g;

/** IBAN length per country (SWIFT IBAN registry). */
const IBAN_LENGTHS: ReadonlyMap<string, number> = new Map(
  `
AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18
DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 IE22 IL23
IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27
MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19
SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30
`
    .split(/\s+/)
    .filter((entry) => entry.length > 0)
    .map((entry) => [entry.slice(0, 2), Number(entry.slice(2))] as const),
);

/** ISO 13616 check: the country code and check digits moved to the end, letters as 10-35, mod 97 = 1. */
function ibanChecksumValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : char;
    for (const digit of value) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

/** Cuts the candidate to its country's length (a trailing group may be another number) and checks it. */
function refineIban(match: RegExpExecArray, text: string): Span | null {
  const length = IBAN_LENGTHS.get(match[0].slice(0, 2));
  if (length === undefined) return null;
  let count = 0;
  let end = 0;
  while (end < match[0].length && count < length) {
    if (match[0][end] !== " ") count += 1;
    end += 1;
  }
  if (count < length || /[A-Za-z0-9[]/.test(text.charAt(match.index + end))) return null;
  const iban = match[0].slice(0, end).replace(/ /g, "");
  return ibanChecksumValid(iban) ? { start: match.index, end: match.index + end } : null;
}

const IBAN_RULE = regexRule("iban", IBAN_CANDIDATE, refineIban);

// ---------------------------------------------------------------------------------------------
// Dates of birth

const MONTH_NAME = String.raw`(?:jan(?:uary|uar|vier)?|feb(?:ruary|ruar|rero)?|f[ée]vrier|mar(?:ch|zo|s)?|m[äa]rz|apr(?:il)?|abril|avril|may|mayo|mai|jun(?:e|i|io)?|juin|jul(?:y|i|io)?|juillet|aug(?:ust)?|agosto|ao[ûu]t|sep(?:t(?:ember|iembre|embre)?)?|setiembre|oct(?:ober|ubre|obre)?|okt(?:ober)?|nov(?:ember|iembre|embre)?|dec(?:ember)?|dez(?:ember)?|diciembre|d[ée]cembre|enero)`;

/** A labelled date of birth; the label is kept and the date (`d`, checked in code) redacted. */
const DATE_OF_BIRTH = new RegExp(
  String.raw`(?<![\p{L}\p{N}\]])(?:d\.?o\.?b\.?|date[ _-]?of[ _-]?birth|birth[ _-]?date|birth[ _-]?day|born[ \t]+on|geburtsdatum|geb\.|geboren[ \t]+am|fecha[ \t]+de[ \t]+nacimiento|date[ \t]+de[ \t]+naissance|n[ée]e?[ \t]+le|data[ \t]+de[ \t]+nascimento|geboortedatum|data[ \t]+urodzenia|nacid[oa][ \t]+el|nascid[oa][ \t]+em|生年月日)` +
    // "DOB (MM/DD/YYYY): ", "dob=", `"dob": "`, "<dob>", "Date of birth is "
    String.raw`(?:[ \t]*\([^()\n]{1,24}\))?["'\x60>]?[ \t]*(?:[:=：|]|-{1,2}|–|—|(?<![\p{L}])(?:is|was)(?![\p{L}]))?[ \t]*["'\x60]?[ \t]*` +
    String.raw`(?<d>(?:19|20)\d{2}(?<isep>[-/.])\d{1,2}\k<isep>\d{1,2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?` +
    String.raw`|\d{1,2}(?<sep>[-/.])\d{1,2}\k<sep>(?:\d{4}|\d{2})` +
    String.raw`|\d{1,2}(?:st|nd|rd|th|er)?\.?[ \t]+(?:de[ \t]+)?${MONTH_NAME}\.?,?[ \t]+(?:de[ \t]+)?\d{4}` +
    String.raw`|${MONTH_NAME}\.?[ \t]+\d{1,2}(?:st|nd|rd|th)?,?[ \t]+\d{4}` +
    String.raw`|\d{1,2}(?<msep>[-/ ])${MONTH_NAME}\k<msep>(?:\d{4}|\d{2})` +
    String.raw`|(?:19|20)\d{6})` +
    String.raw`(?![\p{L}\p{N}[]|[-/.:]\p{N})`,
  "dgiu",
);

/** Year, month and day of a matched date are plausible (either day/month order for numeric dates). */
function plausibleBirthDate(dateTime: string): boolean {
  const date = dateTime.replace(/T.*$/i, "");
  const numbers = (date.match(/\d+/g) ?? []).map(Number);
  const dayMonth = (day: number, month: number): boolean =>
    day >= 1 && day <= 31 && month >= 1 && month <= 12;
  if (/^\d{8}$/.test(date)) {
    return dayMonth(Number(date.slice(6, 8)), Number(date.slice(4, 6)));
  }
  if (numbers.length === 3) {
    const [a = 0, b = 0, c = 0] = numbers;
    if (a >= 1000) return dayMonth(c, b);
    return dayMonth(a, b) || dayMonth(b, a);
  }
  // A month name with a day and a year.
  const [day = 0] = numbers;
  return day >= 1 && day <= 31;
}

const DOB_RULE = regexRule("dob", DATE_OF_BIRTH, (match) => {
  const span = groupSpan(match, "d");
  return span !== null && plausibleBirthDate(match.groups?.d ?? "") ? span : null;
});

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

/**
 * Digit groups joined by single spaces, dashes or dots; the valid card sub-runs are found in code.
 * A dot-joined chain is a card only as a whole (`4111.1111.1111.1111`, not part of `1.4111...` or a
 * decimal). Digits right after an IBAN head (`DE89 `) belong to a (failed) IBAN.
 */
const CARD_CANDIDATE =
  /(?<![\w.+/\]-])(?<![A-Z]{2}\d{2} )\d{1,19}(?:[ .-]\d{1,19}){0,18}(?![\w]|[.,]\[|\.\d|,\d{1,3}(?!\d))/g;

/**
 * A slash-joined chain of digit groups, a card only as a whole (`4111/1111/1111/1111`; not a date,
 * a fraction, a path, or a card followed by `/12` for its expiry, which stays a card on its own).
 */
const SLASHED_CARD_CANDIDATE = /(?<![\w.+/\]-])\d{1,19}(?:\/\d{1,19}){1,18}(?![\w/]|[.,]\[|\.\d)/g;

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
  /** The separator before this group ("" for the first group of a candidate, GAP_SEPARATOR). */
  sep: string;
}

/** Stands for invisible characters dropped between two digits: they may have been a separator. */
const GAP_SEPARATOR = "gap";

/**
 * Ends (exclusive group indices) of the card-shaped runs starting at group `i`: one group of
 * 13-19 digits, 4-6-5 / 4-6-4, or groups of 4 with a last group of 1-4, all with one separator
 * (a gap goes with any).
 */
function cardShapedEnds(groups: readonly DigitGroup[], i: number): number[] {
  const first = groups[i];
  if (first === undefined) return [];
  const ends: number[] = [];
  const length = first.digits.length;
  if (length >= 13 && length <= 19) ends.push(i + 1);
  if (length !== 4) return ends;
  const second = groups[i + 1];
  const third = groups[i + 2];
  if (second?.digits.length === 6 && third !== undefined && sameSeparator(second.sep, third.sep)) {
    if (third.digits.length === 5 || third.digits.length === 4) ends.push(i + 3);
  }
  let sep = GAP_SEPARATOR;
  let total = 4;
  for (let j = i + 1; j < groups.length && j < i + 5; j += 1) {
    const group = groups[j];
    if (group === undefined || !sameSeparator(group.sep, sep) || group.digits.length > 4) break;
    if (group.sep !== GAP_SEPARATOR) sep = group.sep;
    total += group.digits.length;
    if (total >= 13 && total <= 19) ends.push(j + 1);
    if (group.digits.length !== 4) break;
  }
  return ends;
}

function sameSeparator(a: string, b: string): boolean {
  return a === b || a === GAP_SEPARATOR || b === GAP_SEPARATOR;
}

function isCardNumber(digits: string): boolean {
  return /^[2-6]/.test(digits) && !/^(\d)\1*$/.test(digits) && luhnValid(digits);
}

/**
 * Cards among digit groups: from each group, the longest card-shaped, Luhn-valid run wins. A run
 * may not start or end inside a dot- or slash-joined chain (a decimal, a version, an IP, a date).
 */
function cardsIn(groups: readonly DigitGroup[]): Span[] {
  const spans: Span[] = [];
  let i = 0;
  while (i < groups.length) {
    const end = cardShapedEnds(groups, i)
      .sort((a, b) => b - a)
      .find(
        (j) =>
          !CHAIN_SEPARATORS.has(groups[i]?.sep ?? "") &&
          !CHAIN_SEPARATORS.has(groups[j]?.sep ?? "") &&
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
  return spans;
}

/** Separators of chains that are cards only as a whole. */
const CHAIN_SEPARATORS: ReadonlySet<string> = new Set([".", "/"]);

function findCards(text: string, gapBefore: (index: number) => boolean): Span[] {
  const spans = cardsAmong(CARD_CANDIDATE, text, gapBefore);
  const slashed = cardsAmong(SLASHED_CARD_CANDIDATE, text, gapBefore);
  if (slashed.length === 0) return spans;
  // Disjoint: other candidates stop at a slash, and the 4-digit group before it is never a card.
  return [...spans, ...slashed].sort((a, b) => a.start - b.start);
}

function cardsAmong(candidates: RegExp, text: string, gapBefore: (index: number) => boolean): Span[] {
  const spans: Span[] = [];
  for (const match of execAll(candidates, text)) {
    const groups: DigitGroup[] = [];
    /** The same, also split where invisible characters were dropped between two digits. */
    const split: DigitGroup[] = [];
    let sep = "";
    for (const part of match[0].matchAll(/(\d+)|[ ./-]/g)) {
      const digits = part[1];
      if (digits === undefined) {
        sep = part[0];
        continue;
      }
      const start = match.index + part.index;
      groups.push({ start, digits, sep });
      let from = 0;
      for (let k = 1; k < digits.length; k += 1) {
        if (!gapBefore(start + k)) continue;
        split.push({
          start: start + from,
          digits: digits.slice(from, k),
          sep: from === 0 ? sep : GAP_SEPARATOR,
        });
        from = k;
      }
      split.push({ start: start + from, digits: digits.slice(from), sep: from === 0 ? sep : GAP_SEPARATOR });
    }
    const cards = cardsIn(groups);
    if (split.length > groups.length) {
      // `4111<ZWSP>1111 1111 1111`: the gap may stand for a separator.
      for (const card of cardsIn(split)) {
        if (cards.every((taken) => card.end <= taken.start || card.start >= taken.end)) cards.push(card);
      }
      cards.sort((a, b) => a.start - b.start);
    }
    spans.push(...cards);
  }
  return spans;
}

const CARD_RULE: Rule = { category: "card", replacement: SANITIZER_TOKENS.card, find: findCards };

/**
 * A labelled card verification code (`CVV: 123`, `my cvv is 123`, `"cvc": "1234"`): 3 or 4 digits
 * after CVV/CVV2/CVC/CVC2/CVN or "card security/verification code" and a colon, `=`, `#` or "is".
 * It is card data, so `[CARD]`. A bare `cvv 123` stays, as a bare keyword value needs a shape that
 * a 3-digit code never has.
 */
const CARD_VERIFICATION_CODE =
  /(?<![\p{L}\p{N}_])(?:cv[vc]2?|cvn|card[ \t]+(?:security|verification)[ \t]+(?:code|value|number))(?:[ \t]*\/[ \t]*cv[vc]2?)?(?:[ \t]+(?:code|number|no\.?))?["'>]?(?:[ \t]*[:=#][ \t]*|[ \t]+(?:is|was)(?:[ \t]*:)?[ \t]+)["']?(?<v>\d{3,4})(?![\p{L}\p{N}_]|[.,/:-]\d)/giu;

const CARD_VERIFICATION_RULE = regexRule("card", CARD_VERIFICATION_CODE, (match, text) => {
  const span = valueSpan(match);
  // "CVV: 123 characters" is a length ("CVV: 3 digits" cannot match).
  return span === null || FOLLOWED_BY_UNIT.test(text.slice(span.end, span.end + 24)) ? null : span;
});

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
  // Before SSNs, cards and phones, which would take digit groups of an IBAN or a birth date.
  IBAN_RULE,
  DOB_RULE,
  ...SSN_RULES,
  CARD_RULE,
  CARD_VERIFICATION_RULE,
  ...PHONE_RULES,
];
