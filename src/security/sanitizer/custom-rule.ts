/** Caller-supplied patterns as rules, checked when they are added. */
import { ValidationError } from "../../errors.js";
import { execAll, type Rule, wholeMatch } from "./rule.js";
import { CUSTOM_SANITIZER_CATEGORY } from "./tokens.js";

export function customRule(regex: RegExp, replacement: string, field: string): Rule {
  if (!(regex instanceof RegExp)) throw new ValidationError(field, "must be a RegExp");
  if (typeof replacement !== "string") {
    throw new ValidationError(
      field === "pattern" ? "replacement" : `${field}.replacement`,
      "must be a string",
    );
  }
  const flags = regex.flags.replace(/[gy]/g, "");
  const global = new RegExp(regex.source, `${flags}g`);
  if (matchesEmpty(global)) {
    throw new ValidationError(
      field === "pattern" ? "pattern" : `${field}.regex`,
      "must not match the empty string",
    );
  }
  if (new RegExp(regex.source, flags).test(replacement)) {
    throw new ValidationError(
      field === "pattern" ? "replacement" : `${field}.replacement`,
      "must not itself match the pattern (sanitizing would not be idempotent)",
    );
  }
  return {
    category: CUSTOM_SANITIZER_CATEGORY,
    replacement,
    find(text) {
      return Array.from(execAll(global, text), wholeMatch);
    },
  };
}

const PRINTABLE_ASCII = Array.from({ length: 95 }, (_, index) => String.fromCharCode(32 + index)).join("");
const EMPTY_MATCH_PROBES = [
  "",
  " ",
  "a",
  "0",
  "\n",
  PRINTABLE_ASCII,
  [...PRINTABLE_ASCII].reverse().join(""),
  "The quick brown fox jumps over the lazy dog. 0123456789 john@example.com",
];

/**
 * Best effort (emptiness of a regex with lookarounds is not decidable by probing): a regex that
 * yields a zero-length match on any probe is rejected. Zero-length matches are skipped at run time.
 */
function matchesEmpty(global: RegExp): boolean {
  return EMPTY_MATCH_PROBES.some((probe) => {
    global.lastIndex = 0;
    for (let match = global.exec(probe); match !== null; match = global.exec(probe)) {
      if (match[0].length === 0) return true;
    }
    return false;
  });
}
