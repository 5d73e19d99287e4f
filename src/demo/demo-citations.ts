/**
 * What the demo asks the search agents, and the check that each answer cites the relevant passage
 * first (issue #13: an answer quoting the wrong document used to pass).
 */

/**
 * The demo's questions to the search agents and the passage each agent must cite first: a section
 * (`file.md § Heading`) or any section of a file (`file.md`). A citation is checked, not only its
 * presence: an answer quoting the wrong document is a failed step.
 */
export const DEMO_QUESTIONS = Object.freeze({
  delegation: {
    question: "How do agents recover their state after a crash?",
    cites: {
      "knowledge-agent": "handoffs.md § Durability",
      "research-agent": "durability-and-crash-recovery.md",
    },
  },
  firstSuccess: {
    question: "How does a token bucket rate limit work?",
    cites: { "research-agent": "rate-limiting.md § Token bucket" },
  },
  backToOrchestrator: {
    question: "Which roles can cancel a handoff?",
    cites: { "knowledge-agent": "tenants-and-rbac.md § Permissions per role" },
  },
} as const);

/** The sources an agent's answer cites (`file.md § Heading`), in order. */
export function citedSources(answer: string): string[] {
  return [...answer.matchAll(/^\s*Source: (\S+\.md § .+?)\s*$/gm)].map((match) => match[1] ?? "");
}

/** Whether `source` (`file.md § Heading`) is the `expected` section, or in the expected file. */
export function isExpectedSource(source: string | undefined, expected: string): boolean {
  if (source === undefined) return false;
  return expected.includes(" § ") ? source === expected : source.startsWith(`${expected} § `);
}

/**
 * Whether each agent's answer cites its expected passage first, and a detail naming what each one
 * cited (and what was expected, when it differs).
 */
export function citationVerdict(
  expected: Readonly<Record<string, string>>,
  answers: ReadonlyMap<string, string | undefined>,
): { ok: boolean; detail: string } {
  const verdicts = Object.entries(expected).map(([agentId, source]) => {
    const first = citedSources(answers.get(agentId) ?? "")[0];
    const ok = isExpectedSource(first, source);
    return { ok, text: `${agentId} cites ${first ?? "nothing"}${ok ? "" : ` (expected ${source})`}` };
  });
  return { ok: verdicts.every((v) => v.ok), detail: verdicts.map((v) => v.text).join("; ") };
}
