/**
 * What a corpus knows, for reading a question against it (document-search.ts): the index terms
 * and the surface words of the passages, so that a question's words the corpus never uses (names,
 * greetings, a sanitizer's `[EMAIL]`) can be left out of its coverage, and a misspelt word of the
 * corpus ("hnadoffs") read as the word it was meant to be.
 */
import { processTerm, tokenize } from "./search-terms.js";

/**
 * Shortest word whose misspellings are corrected: shorter words have too many real neighbours one
 * edit away ("watch" and "catch", "bread" and "break").
 */
const MIN_CORRECTED_LENGTH = 6;
/** A query term this long or longer is known when an index term starts with it (as the search's prefix matching does). */
const MIN_PREFIX_LENGTH = 4;

/** The index terms and surface words of a set of texts. */
export class CorpusVocabulary {
  /** Index term -> number of passages that contain it. */
  readonly #terms = new Map<string, number>();
  /** Lowercase surface word -> number of passages that contain it. */
  readonly #words = new Map<string, number>();

  /** Adds one passage (all of its fields). */
  add(texts: readonly string[]): void {
    const terms = new Set<string>();
    const words = new Set<string>();
    for (const text of texts) {
      for (const token of tokenize(text)) {
        const term = processTerm(token);
        if (term === null) continue;
        terms.add(term);
        words.add(token.toLowerCase());
      }
    }
    for (const term of terms) this.#terms.set(term, (this.#terms.get(term) ?? 0) + 1);
    for (const word of words) this.#words.set(word, (this.#words.get(word) ?? 0) + 1);
  }

  /** True when the search can match `term` to an index term: exactly, or as its prefix. */
  knows(term: string): boolean {
    if (this.#terms.has(term)) return true;
    if (term.length < MIN_PREFIX_LENGTH) return false;
    for (const known of this.#terms.keys()) if (known.startsWith(term)) return true;
    return false;
  }

  /**
   * The corpus word a misspelt `word` most likely stands for: one that starts with the same letter
   * (a slip rarely hits the first one) and is within a single edit (insertion, deletion,
   * substitution, or two adjacent letters swapped), the most widespread one if several are;
   * undefined when the word is short or none is that close.
   */
  correct(word: string): string | undefined {
    const lower = word.toLowerCase();
    if (lower.length < MIN_CORRECTED_LENGTH) return undefined;
    let best: string | undefined;
    let bestCount = 0;
    for (const [candidate, count] of this.#words) {
      if (candidate[0] !== lower[0] || Math.abs(candidate.length - lower.length) > 1) continue;
      if (!withinOneEdit(lower, candidate)) continue;
      if (count > bestCount || (count === bestCount && best !== undefined && candidate < best)) {
        best = candidate;
        bestCount = count;
      }
    }
    return best;
  }
}

/**
 * True when `a` and `b` differ by at most one insertion, deletion, substitution or swap of two
 * adjacent characters (optimal string alignment distance <= 1). A swap is one edit: it is the
 * commonest typing slip ("hnadoff"), which plain Levenshtein distance counts as two.
 */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  if (a.length === b.length) {
    if (a.slice(start + 1) === b.slice(start + 1)) return true; // substitution
    return (
      a[start] === b[start + 1] && a[start + 1] === b[start] && a.slice(start + 2) === b.slice(start + 2)
    );
  }
  const [longer, shorter] = a.length > b.length ? [a, b] : [b, a];
  return longer.slice(start + 1) === shorter.slice(start); // insertion or deletion
}
