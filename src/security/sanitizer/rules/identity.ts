/**
 * Identity numbers and dates: US social security numbers and labelled dates of birth.
 *
 * Deliberate decisions:
 * - SSNs are `AAA-GG-SSSS` (or 9 digits, compact or spaced, right after "SSN"/"social security
 *   number") with a valid area (not 000, 666, 9xx), group (not 00) and serial (not 0000). An
 *   unlabelled run of 9 digits is not an SSN.
 * - Dates of birth only after a label (`DOB`, `D.O.B.`, date of birth, birth date, birthdate,
 *   birthday, born on, Geburtsdatum, geb., geboren am, fecha de nacimiento, nacido el, date de
 *   naissance, né(e) le, data de nascimento, geboortedatum, data urodzenia, 生年月日), optionally
 *   with a format hint (`DOB (MM/DD/YYYY):`), in JSON/XML/table form: ISO (with an optional time),
 *   d/m/y or m/d/y with `/`, `-` or `.` (2- or 4-digit year), compact `19850412`, `12 April 1985`,
 *   `12-Apr-1985`, `March 3, 1979` (English, German, Spanish and French month names). The label is
 *   kept; only the date becomes `[DOB]`. Implausible dates (month 13) and unlabelled dates stay;
 *   a bare `Born 15.01.1990` is not labelled.
 */
import { groupSpan, type Rule, regexRule, wholeMatch } from "../rule.js";

const MONTH_NAME = String.raw`(?:jan(?:uary|uar|vier)?|feb(?:ruary|ruar|rero)?|f[ée]vrier|mar(?:ch|zo|s)?|m[äa]rz|apr(?:il)?|abril|avril|may|mayo|mai|jun(?:e|i|io)?|juin|jul(?:y|i|io)?|juillet|aug(?:ust)?|agosto|ao[ûu]t|sep(?:t(?:ember|iembre|embre)?)?|setiembre|oct(?:ober|ubre|obre)?|okt(?:ober)?|nov(?:ember|iembre|embre)?|dec(?:ember)?|dez(?:ember)?|diciembre|d[ée]cembre|enero)`;

/** A labelled date of birth; the label is kept and the date (`d`, checked in code) redacted. */
const DATE_OF_BIRTH = new RegExp(
  String.raw`(?<![\p{L}\p{N}\]])(?:d\.?o\.?b\.?|date[ _-]?of[ _-]?birth|birth[ _-]?date|birth[ _-]?day|born[ \t]+on|geburtsdatum|geb\.|geboren[ \t]+am|fecha[ \t]+de[ \t]+nacimiento|date[ \t]+de[ \t]+naissance|n[ée]e?[ \t]+le|data[ \t]+de[ \t]+nascimento|geboortedatum|data[ \t]+urodzenia|nacid[oa][ \t]+el|nascid[oa][ \t]+em|生年月日)` +
    // "DOB (MM/DD/YYYY): ", "dob=", `"dob": "`, "<dob>", "Date of birth is "
    String.raw`(?:[ \t]*\([^()\n]{1,24}\))?["'\x60>]?[ \t]*(?:[:=：|]|-{1,2}|–|—|(?<![\p{L}])(?:is|was)(?![\p{L}]))?[ \t]*["'\x60]?[ \t]*` +
    String.raw`(?<d>(?:19|20)\d{2}(?<isep>[-/.])\d{1,2}\k<isep>\d{1,2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?` +
    String.raw`|\d{1,2}(?<sep>[-/.])\d{1,2}\k<sep>(?:\d{4}|\d{2})` +
    String.raw`|\d{1,2}(?:st|nd|rd|th|er)?\.?[ \t]+(?:de[ \t]+)?${MONTH_NAME}\.?,?[ \t]+(?:de[ \t]+)?\d{4}` +
    String.raw`|${MONTH_NAME}\.?[ \t]+\d{1,2}(?:st|nd|rd|th)?,?[ \t]+\d{4}` +
    String.raw`|\d{1,2}(?<msep>[-/ ])${MONTH_NAME}\k<msep>(?:\d{4}|\d{2})` +
    String.raw`|(?:19|20)\d{6})` +
    String.raw`(?![\p{L}\p{N}[]|[-/.:]\p{N})`,
  "dgiu",
);

/** Year, month and day of a matched date are plausible (either day/month order for numeric dates). */
function plausibleBirthDate(dateTime: string): boolean {
  const date = dateTime.replace(/T.*$/i, "");
  const numbers = (date.match(/\d+/g) ?? []).map(Number);
  const dayMonth = (day: number, month: number): boolean =>
    day >= 1 && day <= 31 && month >= 1 && month <= 12;
  if (/^\d{8}$/.test(date)) {
    return dayMonth(Number(date.slice(6, 8)), Number(date.slice(4, 6)));
  }
  if (numbers.length === 3) {
    const [a = 0, b = 0, c = 0] = numbers;
    if (a >= 1000) return dayMonth(c, b);
    return dayMonth(a, b) || dayMonth(b, a);
  }
  // A month name with a day and a year.
  const [day = 0] = numbers;
  return day >= 1 && day <= 31;
}

export const DOB_RULE = regexRule("dob", DATE_OF_BIRTH, (match) => {
  const span = groupSpan(match, "d");
  return span !== null && plausibleBirthDate(match.groups?.d ?? "") ? span : null;
});

const SSN_DASHED = /(?<![\w./+-])\d{3}-\d{2}-\d{4}(?![\w-]|\.[\d[])/g;

const SSN_LABELLED =
  /(?<![\w\]])(?:ssn|social[ \t]+security(?:[ \t]+(?:number|no\.?))?)(?:[ \t]*(?:#|no\.?|number))?(?:[ \t]+(?:is|was))?[ \t]*[:#=]?[ \t]*(?<v>\d{3}[ -]?\d{2}[ -]?\d{4})(?![\w-]|\.[\d[])/dgi;

function isValidSsn(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, "");
  if (digits.length !== 9) return false;
  const area = digits.slice(0, 3);
  return (
    area !== "000" &&
    area !== "666" &&
    !area.startsWith("9") &&
    digits.slice(3, 5) !== "00" &&
    digits.slice(5) !== "0000"
  );
}

export const SSN_RULES: readonly Rule[] = [
  regexRule("ssn", SSN_LABELLED, (match) => {
    const span = groupSpan(match, "v");
    return span !== null && isValidSsn(match.groups?.v ?? "") ? span : null;
  }),
  regexRule("ssn", SSN_DASHED, (match) => (isValidSsn(match[0]) ? wholeMatch(match) : null)),
];
