/**
 * Runs rules in priority order over a text, each on the text as the earlier ones left it, and
 * keeps their redactions sorted, disjoint and in original offsets.
 */
import type { Redaction, Rule, Span } from "./rule.js";
import { ANY_TOKEN, LONGEST_TOKEN, TOKEN_ANYWHERE } from "./tokens.js";

/** The original text with some spans replaced by their tokens, and the offset mapping back. */
export class RedactedView {
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

export const NO_GAPS = (): boolean => false;

/**
 * Rules run in priority order, each on the text as the earlier rules left it (their spans already
 * replaced by tokens), so a later rule never sees half of a redacted value and a second pass sees
 * what the first one did. `initial` (sorted, disjoint) are redactions already made; the result
 * holds them and the new ones, in `text` coordinates, sorted.
 */
export function applyRules(
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
      if (bracket < span.end && TOKEN_ANYWHERE.test(viewText.slice(span.start, span.end))) continue;
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
    TOKEN_AT_END.test(text.slice(Math.max(0, span.start - LONGEST_TOKEN), span.start))
  ) {
    return true;
  }
  return (
    text.charCodeAt(span.end) === 91 /* [ */ &&
    TOKEN_AT_START.test(text.slice(span.end, span.end + LONGEST_TOKEN))
  );
}

const TOKEN_AT_END = new RegExp(`${ANY_TOKEN}$`);
const TOKEN_AT_START = new RegExp(`^${ANY_TOKEN}`);
