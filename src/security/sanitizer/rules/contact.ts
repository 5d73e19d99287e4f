/**
 * Contact data: email addresses and phone numbers.
 *
 * Deliberate decisions:
 * - `@mention`, `user@localhost`, `name@192.168.0.1`, `pkg@1.2.3`, `icon@2x.png` (file-extension
 *   "TLDs"), the username in `scheme://user@host` and scp-style `git@github.com:org/repo` are not
 *   emails. Obfuscated forms (`john at example dot com`) are not detected.
 * - Phones need phone formatting: `+` or `00` with a country code (8-15 digits in all), North
 *   American `(555) 123-4567` / `555-123-4567` / `555.123.4567` / `555 123 4567` (optional leading
 *   `1`), or a national number with a leading 0 and separators (`020 7946 0958`). Any 3-3-4 group
 *   joined by `-` or `.` counts as a phone. Bare digit runs, 7-digit local numbers, dates, times,
 *   versions, prices and IP addresses are not phones.
 */
import { type Rule, regexRule, type Span, wholeMatch } from "../rule.js";

const EMAIL =
  /(?<![\p{L}\p{N}_%+-]|:\/\/)[\p{L}\p{N}_%+-][\p{L}\p{N}._%+-]{0,63}@(?:[\p{L}\p{N}-]{1,63}\.){1,8}(?<tld>\p{L}{2,24})(?![\p{L}\p{N}-]|:[\w~/[])/gu;

/** "TLDs" that are really file extensions (`icon@2x.png`, `lib@next.js`). */
const FILE_EXTENSIONS = new Set(
  `png jpg jpeg gif svg webp ico bmp tif tiff avif heic pdf js mjs cjs ts tsx jsx css scss less json yaml yml
toml txt lock rb java kt html htm xml csv log exe dll wasm map`.split(/\s+/),
);

export const EMAIL_RULE = regexRule("email", EMAIL, (match) =>
  FILE_EXTENSIONS.has((match.groups?.tld ?? "").toLowerCase()) ? null : wholeMatch(match),
);

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

export const PHONE_RULES: readonly Rule[] = [
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
