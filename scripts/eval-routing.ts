/**
 * Measures SkillRouter against the labelled routing set in data/routing-eval (issue #14).
 *
 *   npx tsx scripts/eval-routing.ts [--split heldout|tuning|all] [--llm] [--misses]
 *
 * Prints, per split: top-1 accuracy (every message: the first agent is one of `expected`, or the
 * answer is [] when nothing fits), set precision/recall over the messages several agents fit (the
 * returned list against the labelled set), "nothing fits" precision/recall (an empty answer), and
 * follow-up accuracy (messages with history: stay or switch). Misses are listed for the tuning split;
 * for the held-out split only with --misses (reading them would make them tuning data).
 *
 * --llm adds the LLM selector, configured from OMNIFORGE_LLM_BASE_URL, OMNIFORGE_LLM_MODEL and
 * OMNIFORGE_LLM_API_KEY (never printed); without OMNIFORGE_LLM_BASE_URL it says so and stops.
 * The computation is exported so that the test suite asserts on the same numbers.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { AgentCard } from "../src/a2a/agent-card.js";
import type { RankedAgent, SelectorTurn } from "../src/orchestration/agent-selector.js";
import { SkillRouter, type SkillRouterConfig } from "../src/orchestration/skill-router/skill-router.js";

export type Split = "tuning" | "heldout";
export type MessageKind = "single" | "multi" | "none" | "followup-stay" | "followup-switch";

export interface LabelledMessage {
  id: string;
  split: Split;
  kind: MessageKind;
  text: string;
  expected: string[];
  history?: SelectorTurn[];
}

const DATA = fileURLToPath(new URL("../data/routing-eval/", import.meta.url));

export function loadRoutingSet(): { agents: AgentCard[]; messages: LabelledMessage[] } {
  return {
    agents: JSON.parse(readFileSync(`${DATA}agents.json`, "utf8")) as AgentCard[],
    messages: JSON.parse(readFileSync(`${DATA}messages.json`, "utf8")) as LabelledMessage[],
  };
}

export interface Ratio {
  hits: number;
  of: number;
  value: number;
}

export interface RoutingFigures {
  messages: number;
  top1: Ratio;
  /** Over messages with one or more fitting agents (`single`, `multi`, follow-ups that go to an agent). */
  top1WhenSomethingFits: Ratio;
  setPrecision: Ratio;
  setRecall: Ratio;
  nothingFitsPrecision: Ratio;
  nothingFitsRecall: Ratio;
  followUp: Ratio;
  followUpStay: Ratio;
  followUpSwitch: Ratio;
  misses: Array<{ id: string; kind: MessageKind; text: string; expected: string[]; got: string[] }>;
}

const ratio = (hits: number, of: number): Ratio => ({ hits, of, value: of === 0 ? Number.NaN : hits / of });

/** Whether the answer is right at rank 1: [] for nothing fits, else a first agent in `expected`. */
export function topOneRight(message: LabelledMessage, ranked: readonly RankedAgent[]): boolean {
  return message.expected.length === 0
    ? ranked.length === 0
    : message.expected.includes(ranked[0]?.agentId ?? "");
}

export async function evaluateRouting(
  options: { split?: Split | "all"; config?: Partial<SkillRouterConfig> } = {},
): Promise<RoutingFigures> {
  const { agents, messages } = loadRoutingSet();
  const router = new SkillRouter({ ...options.config, agents });
  const chosen = messages.filter(
    (m) => options.split === undefined || options.split === "all" || m.split === options.split,
  );
  let top1 = 0,
    fitTop1 = 0,
    fitCount = 0;
  let setHits = 0,
    setReturned = 0,
    setExpected = 0;
  let emptyRight = 0,
    emptyAnswers = 0,
    noneCount = 0;
  const follow = { stay: [0, 0], switch: [0, 0] };
  const misses: RoutingFigures["misses"] = [];
  for (const message of chosen) {
    const ranked = await router.select({
      message: message.text,
      ...(message.history ? { history: message.history } : {}),
    });
    const right = topOneRight(message, ranked);
    if (right) top1++;
    else
      misses.push({
        id: message.id,
        kind: message.kind,
        text: message.text,
        expected: message.expected,
        got: ranked.map((r) => `${r.agentId} ${r.score}`),
      });
    if (message.expected.length > 0) {
      fitCount++;
      if (right) fitTop1++;
    } else noneCount++;
    if (ranked.length === 0) {
      emptyAnswers++;
      if (message.expected.length === 0) emptyRight++;
    }
    if (message.kind === "multi") {
      const got = ranked.map((r) => r.agentId);
      setHits += got.filter((id) => message.expected.includes(id)).length;
      setReturned += got.length;
      setExpected += message.expected.length;
    }
    if (message.kind === "followup-stay" || message.kind === "followup-switch") {
      const counts = message.kind === "followup-stay" ? follow.stay : follow.switch;
      counts[1]!++;
      if (right) counts[0]!++;
    }
  }
  return {
    messages: chosen.length,
    top1: ratio(top1, chosen.length),
    top1WhenSomethingFits: ratio(fitTop1, fitCount),
    setPrecision: ratio(setHits, setReturned),
    setRecall: ratio(setHits, setExpected),
    nothingFitsPrecision: ratio(emptyRight, emptyAnswers),
    nothingFitsRecall: ratio(emptyRight, noneCount),
    followUp: ratio(follow.stay[0]! + follow.switch[0]!, follow.stay[1]! + follow.switch[1]!),
    followUpStay: ratio(follow.stay[0]!, follow.stay[1]!),
    followUpSwitch: ratio(follow.switch[0]!, follow.switch[1]!),
    misses,
  };
}

const cell = (r: Ratio): string =>
  `${Number.isNaN(r.value) ? "n/a" : r.value.toFixed(3)} (${r.hits}/${r.of})`;

export function formatFigures(title: string, f: RoutingFigures): string {
  return [
    `| ${title} (${f.messages} messages) | |`,
    "|---|---|",
    `| top-1 accuracy | ${cell(f.top1)} |`,
    `| top-1 when something fits | ${cell(f.top1WhenSomethingFits)} |`,
    `| set precision (several fit) | ${cell(f.setPrecision)} |`,
    `| set recall (several fit) | ${cell(f.setRecall)} |`,
    `| "nothing fits" precision | ${cell(f.nothingFitsPrecision)} |`,
    `| "nothing fits" recall | ${cell(f.nothingFitsRecall)} |`,
    `| follow-ups (sticky + switch) | ${cell(f.followUp)} |`,
    `| follow-ups that stay | ${cell(f.followUpStay)} |`,
    `| follow-ups that switch | ${cell(f.followUpSwitch)} |`,
  ].join("\n");
}

function llmConfig(): SkillRouterConfig["llm"] | undefined {
  const baseUrl = process.env["OMNIFORGE_LLM_BASE_URL"];
  if (!baseUrl) return undefined;
  return {
    baseUrl,
    model: process.env["OMNIFORGE_LLM_MODEL"] ?? "gpt-4o-mini",
    ...(process.env["OMNIFORGE_LLM_API_KEY"] ? { apiKey: process.env["OMNIFORGE_LLM_API_KEY"] } : {}),
  };
}

async function main(): Promise<void> {
  // `... | head` closes the pipe early: stop quietly.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  const { values } = parseArgs({
    options: {
      split: { type: "string", default: "heldout" },
      llm: { type: "boolean", default: false },
      misses: { type: "boolean", default: false },
    },
  });
  const split = values.split as Split | "all";
  if (!["tuning", "heldout", "all"].includes(split)) {
    process.stderr.write("--split must be heldout, tuning or all\n");
    process.exit(2);
  }
  const configs: Array<[string, Partial<SkillRouterConfig>]> = [["lexical", {}]];
  if (values.llm) {
    const llm = llmConfig();
    if (llm === undefined)
      process.stdout.write("--llm: OMNIFORGE_LLM_BASE_URL is not set; LLM figures skipped\n\n");
    else configs.push([`LLM (${llm.model})`, { llm }]);
  }
  const splits: Array<Split | "all"> = split === "all" ? ["tuning", "heldout", "all"] : [split];
  for (const [name, config] of configs)
    for (const s of splits) {
      const figures = await evaluateRouting({ split: s, config });
      process.stdout.write(`${formatFigures(`${name}, ${s}`, figures)}\n\n`);
      if (s === "tuning" || (values.misses && s !== "all"))
        for (const miss of figures.misses)
          process.stdout.write(
            `  miss ${miss.id} [${miss.kind}] expected ${miss.expected.join(",") || "[]"}, got ${miss.got.join(", ") || "[]"}: ${miss.text}\n`,
          );
      process.stdout.write("\n");
    }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
