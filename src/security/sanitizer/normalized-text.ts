/**
 * The normalized view of a text that the built-in rules read (see {@link NormalizedText}), and the
 * mapping of its spans back to the original.
 */
import type { Span } from "./rule.js";

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
export class NormalizedText {
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
