/** Every default of the example agents, in one place. */

/** Passages quoted in one answer. */
export const DEFAULT_MAX_PASSAGES = 3;
/** Longest quote taken from one passage (characters). */
export const DEFAULT_MAX_QUOTE_CHARS = 320;
/** Paragraphs of one section are grouped into passages of at most this many characters. */
export const DEFAULT_MAX_PASSAGE_CHARS = 900;
/**
 * Share of the question's meaningful terms (or their synonyms) that one passage must cover by
 * itself to be quoted; when none does, the agent answers "nothing found" instead of quoting a
 * passage that matched one stray word. 0.4 was chosen on the tuning half of
 * data/eval/retrieval-queries.json (scripts/eval-retrieval.ts).
 */
export const DEFAULT_MIN_QUERY_COVERAGE = 0.4;
/** Hits scoring below this fraction of the best hit are dropped. */
export const DEFAULT_RELATIVE_SCORE_CUTOFF = 0.35;
/** Longest question echoed back in an answer (characters). */
export const MAX_ECHOED_QUESTION_CHARS = 120;
/** Longest excerpt of an earlier agent's answer mentioned in a chained answer (characters). */
export const MAX_PREVIOUS_RESULT_CHARS = 160;
/** Earlier agents mentioned at most in a chained answer. */
export const MAX_PREVIOUS_RESULTS_MENTIONED = 3;

/** What the skill creator announces when it accepts a handoff. */
export const DEFAULT_SKILL_ESTIMATED_DURATION_SECONDS = 300;
/** Longest accepted skill name (characters). */
export const MAX_SKILL_NAME_CHARS = 80;
/** Longest accepted free-text answer (characters). */
export const MAX_SKILL_ANSWER_CHARS = 4_000;
/** Most steps or triggers one skill may have. */
export const MAX_SKILL_LIST_ITEMS = 20;
/** Longest slug used in a skill file name. */
export const MAX_SKILL_SLUG_CHARS = 64;
/** How many `-N` suffixes are tried before giving up on a free skill file name. */
export const MAX_SKILL_FILE_SUFFIX = 1_000;
