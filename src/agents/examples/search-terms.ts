/**
 * From text to search terms, shared by indexing and querying in document-search.ts: tokens (with
 * camelCase parts), stop words dropped, Porter stems, and the synonym groups a question's terms
 * also search.
 */
import { foldedStem } from "../../orchestration/skill-router/text-analysis.js";

// Words too common to carry meaning in a question ("what is ...", "how do I ...").
const STOP_WORDS = new Set(
  (
    "a an and are as at be been but by can could did do does doing for from had has have how i if in into is it " +
    "its it's me my no not of on or our so such than that the their them then there these they this those to " +
    "too was we were what when where which while who whom why will with would you your about after again all " +
    "also am any because before being between both each few further here just more most much must other " +
    "over own same should some tell explain describe use used using get gets work works mean means thing " +
    "things way ways happen happens please show give know need want one two " +
    // The rest of the NLTK English stop list: adverbs and particles ("once", "down", "out",
    // "very", "just") carry no topic either, and only dilute a question's coverage.
    "myself ours ourselves yours yourself yourselves he him his himself she her hers herself itself theirs " +
    "themselves having above below up down out off under further once only nor very just now don should've " +
    "ll re ve ain aren couldn didn doesn hadn hasn haven isn ma mightn mustn needn shan shouldn wasn weren " +
    "won wouldn until against through during every ever " +
    // Greetings and the words that frame a question ("hey, quick question: ..."): they say that
    // something is asked, not what.
    "hey hi hello thanks thank question questions quick wondering wonder curious"
  ).split(" "),
);

/**
 * Words users and documents use for the same thing. A question's term also searches its group's
 * other words, with the same weight, and a passage holding any of them covers that term. Kept to
 * plain synonyms that hold in any text on software (not topic associations, which would pull in
 * passages that merely share a theme).
 */
export const DEFAULT_SYNONYM_GROUPS: readonly (readonly string[])[] = Object.freeze([
  ["crash", "restart", "reboot"],
  ["mask", "redact", "scrub", "anonymize"],
  ["customer", "tenant"],
  ["answer", "reply", "response", "respond"],
  ["cancel", "abort"],
  ["error", "failure", "exception"],
  ["keyword", "lexical"],
  ["organize", "coordinate"],
  ["kill", "stop"],
]);

/**
 * Reduces a word to its stem, for both the indexed text and the query, so that "handoffs" and
 * "handoff", "routing" and "route", "cancelled" and "cancel", "redaction" and "redacted" meet: the
 * Porter stemmer, then a final "i" (Porter's spelling of a final "y") is dropped and the rest
 * stemmed again, so that "recovery" meets "recover" and "retries" meets "retry". It trades a little
 * precision for recall, which BM25 tolerates.
 */
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  return foldedStem(word);
}

/** Splits text into raw tokens: runs of letters/digits, plus the parts of camelCase words. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const raw of text.split(/[^\p{L}\p{N}]+/u)) {
    if (raw === "") continue;
    tokens.push(raw);
    const parts = raw.split(/(?<=\p{Ll})(?=\p{Lu})/u);
    if (parts.length > 1) tokens.push(...parts);
  }
  return tokens;
}

/** Normalizes one token into an index term, or null for stop words and noise. */
export function processTerm(token: string): string | null {
  const term = token
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "");
  if (term.length < 2 || STOP_WORDS.has(term)) return null;
  return stem(term);
}

/** The distinct meaningful terms of a text, in order. */
export function queryTerms(text: string): string[] {
  const terms = new Set<string>();
  for (const token of tokenize(text)) {
    const term = processTerm(token);
    if (term !== null) terms.add(term);
  }
  return [...terms];
}

/**
 * The tokens a redaction leaves in a text: the sanitizer's `[EMAIL]`, `[PHONE]`, `[CARD]`, `[SSN]`,
 * `[IBAN]`, `[DOB]`, `[REDACTED]` (src/security/sanitizer/tokens.ts), and any custom one written the
 * same way (`[ACCOUNT_ID]`). They stand for a value the user typed, not for a topic.
 */
const PLACEHOLDER = /\[[A-Z][A-Z0-9_]*\]/g;

/** One word of a question: the token as written and its index term. */
export interface QuestionWord {
  readonly token: string;
  readonly term: string;
  /**
   * Capitalized but not the first word of its sentence ("our team at Contoso"): a name, when the
   * corpus does not know it.
   */
  readonly capitalized: boolean;
}

/**
 * The distinct meaningful words of a question, in order, with redaction placeholders removed:
 * "mail [EMAIL]" is the word "mail", not a question about e-mail.
 */
export function questionWords(question: string): QuestionWord[] {
  const words = new Map<string, QuestionWord>();
  let sentenceStart = true;
  for (const piece of question.replace(PLACEHOLDER, " ").split(/([^\p{L}\p{N}]+)/u)) {
    if (piece === "") continue;
    if (!/^[\p{L}\p{N}]/u.test(piece)) {
      if (/[.!?:;]/.test(piece)) sentenceStart = true;
      continue;
    }
    const capitalized = !sentenceStart && /^\p{Lu}/u.test(piece);
    sentenceStart = false;
    for (const token of tokenize(piece)) {
      const term = processTerm(token);
      if (term !== null && !words.has(term)) words.set(term, { token, term, capitalized });
    }
  }
  return [...words.values()];
}

/** Stemmed term -> the other stemmed terms of its groups. */
export function synonymMap(groups: readonly (readonly string[])[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const group of groups) {
    const stems = [...new Set(group.map((word) => processTerm(word)).filter((t) => t !== null))];
    for (const term of stems) {
      const others = stems.filter((other) => other !== term);
      map.set(term, [...new Set([...(map.get(term) ?? []), ...others])]);
    }
  }
  return map;
}
