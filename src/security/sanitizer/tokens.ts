/**
 * The categories of sensitive data, the tokens that replace them, and the one regex source that
 * recognises a token in text.
 */

/** The built-in categories of sensitive data. */
export const SanitizerCategory = {
  EMAIL: "email",
  CARD: "card",
  PHONE: "phone",
  SSN: "ssn",
  SECRET: "secret",
  IBAN: "iban",
  DOB: "dob",
} as const;
export type SanitizerCategory = (typeof SanitizerCategory)[keyof typeof SanitizerCategory];

/** The category reported for matches of caller-supplied patterns. */
export const CUSTOM_SANITIZER_CATEGORY = "custom";

/** The token each built-in category is replaced with. */
export const SANITIZER_TOKENS: Readonly<Record<SanitizerCategory, string>> = Object.freeze({
  email: "[EMAIL]",
  card: "[CARD]",
  phone: "[PHONE]",
  ssn: "[SSN]",
  secret: "[REDACTED]",
  iban: "[IBAN]",
  dob: "[DOB]",
});

/** Every built-in category, the default of {@link ContextSanitizerConfig.categories}. */
export const DEFAULT_SANITIZER_CATEGORIES: readonly SanitizerCategory[] = Object.freeze(
  Object.values(SanitizerCategory),
);

const TOKEN_NAMES = Object.values(SANITIZER_TOKENS).map((token) => token.slice(1, -1));

/**
 * Regex source for any built-in token (`[EMAIL]`, `[REDACTED]`, ...). Every regex that must
 * recognise a token is built from this one description (or from {@link tokenOf}), so a new
 * category is seen everywhere at once.
 */
export const ANY_TOKEN = String.raw`\[(?:${TOKEN_NAMES.join("|")})\]`;

/** Regex source for the token of one category (`\[REDACTED\]`). */
export function tokenOf(category: SanitizerCategory): string {
  return String.raw`\[${SANITIZER_TOKENS[category].slice(1, -1)}\]`;
}

/** Any built-in token, anywhere in a string. */
export const TOKEN_ANYWHERE = new RegExp(ANY_TOKEN);

/** The length of the longest built-in token. */
export const LONGEST_TOKEN = Math.max(...Object.values(SANITIZER_TOKENS).map((token) => token.length));
