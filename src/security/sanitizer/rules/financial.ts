/**
 * Financial data: IBANs, card numbers and card verification codes.
 *
 * Deliberate decisions:
 * - IBANs: two capital letters, two check digits and the BBAN, compact or in groups of four
 *   separated by single spaces, with the registered length of that country and a valid mod-97
 *   checksum. BIC/SWIFT codes, VAT ids and invalid checksums stay.
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
 */
import { execAll, type Rule, regexRule, type Span, valueSpan } from "../rule.js";
import { SANITIZER_TOKENS } from "../tokens.js";
import { FOLLOWED_BY_UNIT } from "./values.js";

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

export const IBAN_RULE = regexRule("iban", IBAN_CANDIDATE, refineIban);

/**
 * Digit groups joined by single spaces, dashes or dots; the valid card sub-runs are found in code.
 * A dot-joined chain is a card only as a whole (`4111.1111.1111.1111`, not part of `1.4111...` or a
 * decimal). Digits right after an IBAN head (`DE89 `) belong to a (failed) IBAN. A dash glued to a
 * word (`x-4111...`) makes the digits part of an identifier, but not a dash after a token
 * (`[IBAN]-4111...`): what an earlier rule redacted was not part of a word, and the same text
 * must be redacted alike whether the token was there already or is put there in this pass.
 */
const CARD_CANDIDATE =
  /(?<![\w.+/\]]|(?<!\])-)(?<![A-Z]{2}\d{2} )\d{1,19}(?:[ .-]\d{1,19}){0,18}(?![\w]|[.,]\[|\.\d|,\d{1,3}(?!\d))/g;

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

export const CARD_RULE: Rule = { category: "card", replacement: SANITIZER_TOKENS.card, find: findCards };

/**
 * A labelled card verification code (`CVV: 123`, `my cvv is 123`, `"cvc": "1234"`): 3 or 4 digits
 * after CVV/CVV2/CVC/CVC2/CVN or "card security/verification code" and a colon, `=`, `#` or "is".
 * It is card data, so `[CARD]`. A bare `cvv 123` stays, as a bare keyword value needs a shape that
 * a 3-digit code never has.
 */
const CARD_VERIFICATION_CODE =
  /(?<![\p{L}\p{N}_])(?:cv[vc]2?|cvn|card[ \t]+(?:security|verification)[ \t]+(?:code|value|number))(?:[ \t]*\/[ \t]*cv[vc]2?)?(?:[ \t]+(?:code|number|no\.?))?["'>]?(?:[ \t]*[:=#][ \t]*|[ \t]+(?:is|was)(?:[ \t]*:)?[ \t]+)["']?(?<v>\d{3,4})(?![\p{L}\p{N}_]|[.,/:-]\d)/giu;

export const CARD_VERIFICATION_RULE = regexRule("card", CARD_VERIFICATION_CODE, (match, text) => {
  const span = valueSpan(match);
  // "CVV: 123 characters" is a length ("CVV: 3 digits" cannot match).
  return span === null || FOLLOWED_BY_UNIT.test(text.slice(span.end, span.end + 24)) ? null : span;
});
