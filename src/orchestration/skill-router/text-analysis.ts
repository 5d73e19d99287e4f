/**
 * How the skill router reads text: words split on spaces and punctuation, lower-cased, stop words
 * and long numbers dropped, each word reduced to its stem (Porter, via `stemmer`), so "refunded" and
 * "refunds" meet "refund". The same analysis runs over cards and messages.
 */
import { stemmer } from "stemmer";

// Function words and the politeness of requests ("could you please help me"): they say nothing
// about which agent fits, and left in they make an off-topic message look like a match.
const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    "a about above after again against all am an and any are aren't as at be because been before being " +
    "below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't " +
    "during each few for from further had hadn't has hasn't have haven't having he her here hers " +
    "herself him himself his how i if in into is isn't it it's its itself just let let's me more most " +
    "my myself no nor not now of on once only or other ought our ours ourselves out over own same " +
    "she should shouldn't so some such than that that's the their theirs them themselves then there " +
    "these they this those through to too under until up very was wasn't we were weren't what what's " +
    "when where which while who whom why will with won't would wouldn't you your yours yourself " +
    "yourselves s t d ll m re ve also please pls thanks thank hi hello hey ok okay yes yeah sure " +
    "want wanted need needs like get got give tell show know help us anyone someone something " +
    "thing things way still really much many one two three actually maybe already right yet"
  ).split(" "),
);

const WORD = /[\p{L}\p{N}]+(?:[.'’][\p{L}\p{N}]+)*/gu;

/** Terms of `text` in order, with the word each came from (the first one seen), for reasons. */
export interface AnalyzedText {
  terms: string[];
  /** stem -> a word of the text that produced it */
  words: Map<string, string>;
}

/** The stem of one lower-cased word, or undefined when the word carries no meaning here. */
export function termOf(word: string): string | undefined {
  const lower = word.toLowerCase().replace(/’/g, "'");
  if (STOP_WORDS.has(lower)) return undefined;
  if (/^\d+$/.test(lower)) return lower.length <= 3 ? lower : undefined;
  const bare = lower.replace(/'s$/, "").replace(/'/g, "");
  if (bare.length < 2 || STOP_WORDS.has(bare)) return undefined;
  return foldedStem(bare);
}

/**
 * Porter's stem, then a final "i" (Porter's spelling of a final "y") dropped and the rest stemmed
 * again, so that "delivery" meets "deliver" and "summary" meets "summarize".
 */
export function foldedStem(word: string): string {
  const stemmed = stemmer(word);
  return stemmed.endsWith("i") && stemmed.length > 4 ? stemmer(stemmed.slice(0, -1)) : stemmed;
}

export function analyze(text: string): AnalyzedText {
  const terms: string[] = [];
  const words = new Map<string, string>();
  for (const match of text.matchAll(WORD)) {
    const term = termOf(match[0]);
    if (term === undefined) continue;
    terms.push(term);
    if (!words.has(term)) words.set(term, match[0].toLowerCase());
  }
  return { terms, words };
}

/** Splits a text into the words {@link termOf} is given (the tokenizer of the index). */
export function wordsOf(text: string): string[] {
  return [...text.matchAll(WORD)].map((match) => match[0]);
}
