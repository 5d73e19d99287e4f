/**
 * What a rule is, and the building blocks the rule families are made of: a rule from a global
 * regex with an optional refinement, and memoized forward searches for refinements that look past
 * their match.
 */
import { type CUSTOM_SANITIZER_CATEGORY, SANITIZER_TOKENS, type SanitizerCategory } from "./tokens.js";

export interface Span {
  start: number;
  end: number;
}

export interface Rule {
  readonly category: SanitizerCategory | typeof CUSTOM_SANITIZER_CATEGORY;
  readonly replacement: string;
  /**
   * `gapBefore(i)`: whether invisible characters were dropped from the original right before
   * `text[i]` (see {@link NormalizedText}); the card rule reads such a gap as a possible separator.
   */
  find(text: string, gapBefore: (index: number) => boolean): Span[];
}

export interface Redaction extends Span {
  rule: Rule;
}

export type Refine = (match: RegExpExecArray, text: string, scan: ForwardScan) => Span | null;

/**
 * Memoized forward searches in one text, for refinements that look past a bounded match (to the end
 * of a value, for a token inside it). A regex rule visits its matches left to right, so a question
 * asked from inside the stretch an earlier search crossed reuses that answer: many matches sharing
 * one long value (`token=token=token=...`) cost one scan of it, not one each, and the rule stays
 * linear.
 */
export class ForwardScan {
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

/** Sentence punctuation and closing marks that end a value without being part of it. */
export const TRAILING_PUNCTUATION = ".,;:?*)]}\"'`>";

/**
 * A rule from a global regex. `refine` may reject a match or narrow it to the part to redact (or
 * widen it past the match end). Scanning resumes one character after a rejected match, not after
 * its end, so that a match inside a rejected one (a keyword inside a rejected value) is still seen;
 * `resumeAfterRejection` can move that point.
 */
export function regexRule(
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

export function* execAll(regex: RegExp, text: string): Generator<RegExpExecArray> {
  regex.lastIndex = 0;
  for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
    if (match[0].length === 0) {
      regex.lastIndex += 1;
      continue;
    }
    yield match;
  }
}

export function wholeMatch(match: RegExpExecArray): Span {
  return { start: match.index, end: match.index + match[0].length };
}

/** The span of the first participating named group among `names` (regexes use the `d` flag). */
export function groupSpan(match: RegExpExecArray, ...names: string[]): Span | null {
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
export function valueSpan(match: RegExpExecArray): Span | null {
  const groups = match.groups ?? {};
  const end = match.index + match[0].length;
  const quoted = groups.q1 ?? groups.q2 ?? groups.q3;
  if (quoted !== undefined) return { start: end - 1 - quoted.length, end: end - 1 };
  return groups.v === undefined ? null : { start: end - groups.v.length, end };
}
