/**
 * PII and secret redaction for everything OmniForge sends to sub-agents.
 *
 * {@link ContextSanitizer} replaces personal data and secrets with fixed tokens and keeps the
 * surrounding words: emails become `[EMAIL]`, Luhn-valid card numbers `[CARD]`, phone numbers
 * `[PHONE]`, US social security numbers `[SSN]`, mod-97-valid IBANs `[IBAN]`, labelled dates of
 * birth `[DOB]`, labelled card verification codes `[CARD]`, and secrets `[REDACTED]` (passwords
 * and other keyword-introduced values, vendor API keys, bearer tokens, JWTs, PEM private keys,
 * Slack/Discord webhook URLs, Azure account keys and SAS signatures, CLI password arguments,
 * `user / password` pairs, and the `user:password` part of URLs and of scheme-less
 * `user:password@host`).
 *
 * How it works: rules run in priority order (private keys, webhook URLs, URL credentials, JWTs,
 * bearer/basic credentials, Azure keys, CLI password flags, labelled `user / password` pairs,
 * keyword values, `pass` labels, CLI `-u user:password`, `user:password@host`, `user / password`
 * pairs, vendor keys, emails, IBANs, dates of birth, SSNs, cards, CVVs, phones, then custom
 * patterns), each on the text as the earlier ones left it, with their spans already replaced by
 * tokens. A match that contains a token or is glued to one (no character in between) is dropped,
 * so overlapping matches never corrupt the text and a second pass finds nothing new: `sanitize` is
 * idempotent. Consequence: a value glued to a token that was already in the input
 * (`[EMAIL]john@example.com`) is left alone.
 *
 * Unicode formatting: the built-in rules read a normalized view of the text, in which Unicode space
 * separators (no-break, narrow no-break, figure, thin, ideographic, ...) are ' ', hyphens (U+2010,
 * U+2011 non-breaking, small and fullwidth hyphen-minus) are '-', dashes (figure, en, em, bar,
 * minus sign) are '-' between two digits only (`4111–1111–...`, not `contact—john@...`), fullwidth
 * ASCII forms are ASCII (`４１１１`, `＠`, `：`), and invisible characters (zero-width space and
 * joiners, soft hyphen, word joiner, BOM, direction marks, variation selectors, tag characters) are
 * absent, so that they neither break nor hide a value. Each redaction replaces the matching span
 * of the original text, invisible characters inside it included; every other character, emoji ZWJ
 * sequences included, is output as it was, and findings are offsets into the original text. Where
 * an invisible character sits between two digits it may also stand for a card's group separator
 * (`4111<ZWSP>1111 1111 1111`). Custom patterns read the original text (with the built-in
 * redactions already replaced by tokens), so a pattern that names such characters still works.
 *
 * Linear time: regexes avoid nested ambiguous quantifiers and read at most a bounded length from
 * where they match; a value that runs on past that (a keyword value or Azure key to the next
 * whitespace, a webhook URL to its end) is measured by memoized forward searches, so that the many
 * rejected matches of repeated keywords in one long run (`token=token=...`) share one scan instead
 * of each rescanning to the end of the run. A value longer than 256 characters is judged on its
 * first 256 (and, when taken, redacted to its end). Hot regexes carry no `d` flag (match indices
 * make every match several times slower).
 *
 * Each rule family documents its deliberate decisions (precision matters as much as recall) in
 * its own file under `rules/`; `rules/built-in-rules.ts` holds the priority order.
 */

export {
  ContextSanitizer,
  type ContextSanitizerConfig,
  type SanitizerFinding,
  type SanitizerPattern,
} from "./context-sanitizer.js";
export {
  CUSTOM_SANITIZER_CATEGORY,
  DEFAULT_SANITIZER_CATEGORIES,
  SANITIZER_TOKENS,
  SanitizerCategory,
} from "./tokens.js";
