/**
 * 9. Skill routing: `SkillRouter.select` (lexical, no LLM) over the labelled routing set's messages
 * (data/routing-eval), with its 18 agents (the "15 agents" row of the issue) and with 500 agents
 * synthesized from them, as a large organisation has them: each department's agent once per
 * product line and region, with the product and region in its name, description, tags and
 * examples, and some variants without one of their skills. Also the heap one agent costs.
 */
import type { AgentCard } from "../../src/index.js";
import { SkillRouter } from "../../src/index.js";
import { loadRoutingSet } from "../../scripts/eval-routing.js";
import { settle } from "../lib/runner.js";
import { formatMs, median, summarize } from "../lib/stats.js";
import type { Benchmark, BenchRow } from "../lib/types.js";

const PRODUCTS = [
  "Cloud",
  "Mobile",
  "Payments",
  "Analytics Suite",
  "Retail",
  "Marketplace",
  "Health",
  "Logistics",
  "Education",
  "Media",
];
const REGIONS = [
  "EU",
  "US",
  "UK",
  "APAC",
  "LATAM",
  "Nordics",
  "DACH",
  "India",
  "Japan",
  "Canada",
  "MEA",
  "France",
  "Iberia",
  "Benelux",
  "Australia",
  "Korea",
  "Brazil",
  "Mexico",
  "Italy",
  "Poland",
  "Turkey",
  "Africa",
  "China",
  "Singapore",
  "Israel",
  "Ireland",
  "Baltics",
  "Gulf",
];

/** `count` agents made from `base`: the department agents per product line and region. */
export function synthesizeAgents(base: readonly AgentCard[], count: number): AgentCard[] {
  return Array.from({ length: count }, (_, i) => {
    const card = base[i % base.length]!;
    const variant = Math.floor(i / base.length);
    const product = PRODUCTS[variant % PRODUCTS.length]!;
    const region = REGIONS[Math.floor(variant / PRODUCTS.length) % REGIONS.length]!;
    const slug = `${product}-${region}`.toLowerCase().replace(/[^a-z0-9]+/g, "-");
    const skills = (card.skills ?? []).filter(
      (_, s, all) => all.length < 3 || variant % 3 !== 1 || s !== all.length - 1,
    );
    return {
      identity: {
        id: `${card.identity.id}-${slug}-${variant}`,
        name: `${card.identity.name} (${product}, ${region})`,
        description: `${card.identity.description ?? ""} For ${product} customers in ${region}.`,
      },
      skills: skills.map((skill) => ({
        ...skill,
        description: `${skill.description ?? skill.name} (${product}, ${region})`,
        tags: [...(skill.tags ?? []), product.toLowerCase(), region.toLowerCase()],
        examples: (skill.examples ?? []).map((example, e) =>
          e === 0 ? `${example} (${product} account in ${region})` : example,
        ),
      })),
    };
  });
}

interface Latency {
  p50: number;
  p99: number;
  /** The p99 of the process's CPU time per call: what the call costs, without the waits of a busy machine. */
  cpuP99: number;
  calls: number;
}

async function latency(router: SkillRouter, messages: readonly string[], rounds: number): Promise<Latency> {
  for (const message of messages) await router.select({ message }); // warm-up: JIT, index caches
  const p50s: number[] = [];
  const p99s: number[] = [];
  const cpuP99s: number[] = [];
  let calls = 0;
  for (let round = 0; round < rounds; round++) {
    await settle();
    const wall: number[] = [];
    const cpu: number[] = [];
    for (const message of messages) {
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      await router.select({ message });
      wall.push(performance.now() - started);
      const used = process.cpuUsage(cpuBefore);
      cpu.push((used.user + used.system) / 1000);
    }
    const summary = summarize(wall);
    p50s.push(summary.p50);
    p99s.push(summary.p99);
    cpuP99s.push(summarize(cpu).p99);
    calls += wall.length;
  }
  return { p50: median(p50s), p99: median(p99s), cpuP99: median(cpuP99s), calls };
}

/**
 * Heap bytes a router holds per agent: heap after building it (and its first answer, which builds
 * the postings) minus before, over the agent count.
 */
async function heapPerAgent(cards: readonly AgentCard[], message: string): Promise<number> {
  await settle();
  const before = process.memoryUsage().heapUsed;
  const router = new SkillRouter({ agents: cards });
  await router.select({ message });
  await settle();
  const after = process.memoryUsage().heapUsed;
  if (router.agentIds.length !== cards.length) throw new Error("router lost agents");
  return (after - before) / cards.length;
}

export const skillRouting: Benchmark = {
  id: 9,
  title: "Skill routing",
  async run(ctx) {
    const { agents, messages } = loadRoutingSet();
    const texts = messages.map((m) => m.text);
    const rounds = ctx.scale(7, 2);
    const rows: BenchRow[] = [];
    for (const count of [agents.length, 500]) {
      const cards = count === agents.length ? agents : synthesizeAgents(agents, count);
      const router = new SkillRouter({ agents: cards });
      ctx.log(`9: SkillRouter.select, ${count} agents, ${texts.length} messages x ${rounds} rounds`);
      const { p50, p99, cpuP99, calls } = await latency(router, texts, rounds);
      const perAgent = await heapPerAgent(cards, texts[0]!);
      const target = count === 500 ? "p99 < 2 ms" : "report";
      rows.push({
        bench: 9,
        name: `Skill routing, SkillRouter.select (lexical), ${count} agents, p50 / p99`,
        measured: `${formatMs(p50)} / ${formatMs(p99)}`,
        baseline: "—",
        figure: formatMs(p99),
        target,
        met: count === 500 ? p99 < 2 : undefined,
        note: `${calls} calls over the routing set's messages; CPU time per call p99 ${formatMs(cpuP99)} (GC included); heap ${(perAgent / 1024).toFixed(1)} KiB per agent (${cards.reduce((n, c) => n + (c.skills?.length ?? 0), 0)} skills)`,
      });
    }
    return rows;
  },
};
