/**
 * Passwords and secrets in free text, introduced by a keyword: `password is X`, `pwd=X`,
 * `"api_key": "X"`, `<password>X<`, `pass: X`, and password labels in other languages.
 *
 * Deliberate decisions:
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
 */
import { type ForwardScan, groupSpan, regexRule, type Span, valueSpan } from "../rule.js";
import { ANY_TOKEN, TOKEN_ANYWHERE, tokenOf } from "../tokens.js";
import {
  ALGORITHM_NAME,
  CODE_OBJECT_START,
  FOLLOWED_BY_UNIT,
  FOREIGN_PASSWORD_LABELS,
  isPlaceholder,
  isStopValue,
  lineBefore,
  PATH,
  passwordShaped,
  plainValueSpan,
  VALUE_WINDOW,
} from "./values.js";

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

/** Words that mark a quoted multi-word value as a sentence rather than a passphrase. */
const SENTENCE_WORDS = new Set(
  `a an the this that your my is are be was must should will can cannot not at least of to for with and
or please enter password passwords required invalid incorrect characters chars too wrong`.split(/\s+/),
);

/** A call or an index anywhere in a value (see {@link CODE_EXPRESSION}), or the whitespace that ends it. */
const CODE_MARK_OR_WHITESPACE = /[()]|\w\[|\s/g;

/** "8文字以上": a number glued to a CJK length unit. */
const GLUED_UNIT = /^\d+(?:文字|桁|位|个字符|個字元|자)/;

const FOLLOWED_BY_WORD = new RegExp(String.raw`^[ \t]+(?:[\p{L}\p{N}]|${ANY_TOKEN})`, "u");

const PAIR_USERNAME_BEFORE_TOKEN = new RegExp(String.raw`^[ \t]*\/[ \t]*${tokenOf("secret")}`);

const WHITESPACE = /\s/g;

const TOKEN_OR_WHITESPACE = new RegExp(String.raw`${ANY_TOKEN}|\s`, "g");

/** `&name=`: an unquoted password is cut where a query string continues. */
const QUERY_OR_WHITESPACE = /&[A-Za-z_][\w.-]*=|\s/g;

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
const LETTER = /[A-Za-z]/g;
const LOWERCASE = /[a-z]/g;
const UPPERCASE = /[A-Z]/g;

/** Quoted values may hold any symbol (`'django-insecure-8h$#x9@q!'`) but still need letters and digits. */
function looksLikeQuotedToken(value: string): boolean {
  return /^\S{8,}$/.test(value) && /\d/.test(value) && /[A-Za-z]/.test(value);
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
    if (TOKEN_ANYWHERE.test(value)) return null;
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

/** A rejected quoted value ("Password must be 8 characters") is skipped whole, not searched. */
export const KEYWORD_VALUE_RULE = regexRule("secret", KEYWORD_VALUE, refineKeywordValue, (match) =>
  (match.groups?.q1 ?? match.groups?.q2 ?? match.groups?.q3) === undefined
    ? match.index + 1
    : match.index + match[0].length,
);

export const PASS_LABEL_RULE = regexRule("secret", PASS_LABEL, refinePassLabel);

export const XML_SECRET_RULE = regexRule("secret", XML_SECRET_ELEMENT, (match, text) => {
  const span = groupSpan(match, "v");
  if (span === null) return null;
  const value = text.slice(span.start, span.end);
  return isStopValue(value) || isPlaceholder(value) ? null : span;
});
