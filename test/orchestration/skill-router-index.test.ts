/**
 * SkillIndex, the lexical model under SkillRouter: BM25F over skill documents in its own postings.
 * Its capped answer (the strongest `limit`, plus the agent that answered before) is the head of the
 * full ranking; agents put, replaced and removed in any order leave it as a fresh index would be;
 * fields and related words weigh as documented.
 */
import { describe, expect, it } from "vitest";
import { loadRoutingSet } from "../../scripts/eval-routing.js";
import type { AgentCard } from "../../src/index.js";
import { SkillIndex } from "../../src/orchestration/skill-router/skill-index.js";

const { agents, messages } = loadRoutingSet();
const texts = messages.map((m) => m.text);

function indexOf(cards: readonly AgentCard[]): SkillIndex {
  const index = new SkillIndex();
  for (const card of cards) index.put(card);
  return index;
}

const ranking = (index: SkillIndex, text: string, limit = 1_000) =>
  index.match(text, { limit }).map((m) => [m.agentId, m.raw, m.skillId]);

describe("SkillIndex.match", () => {
  const index = indexOf(agents);

  it("the strongest `limit` agents are the head of the full ranking, strongest first", () => {
    for (const text of texts) {
      const full = ranking(index, text);
      for (let i = 1; i < full.length; i++)
        expect(full[i - 1]![1]).toBeGreaterThanOrEqual(full[i]![1] as number);
      expect(ranking(index, text, 3)).toEqual(full.slice(0, 3));
      expect(ranking(index, text, 1)).toEqual(full.slice(0, 1));
    }
  });

  it("`include` adds the named agent's evidence last when it is outside the strongest, once", () => {
    const text = "I was billed twice and want the duplicate charge refunded";
    const full = index.match(text, { limit: 1_000 });
    expect(full.length).toBeGreaterThan(2);
    const outside = full[full.length - 1]!;
    const capped = index.match(text, { limit: 1, include: outside.agentId });
    expect(capped).toEqual([full[0], outside]);
    expect(index.match(text, { limit: 2, include: full[1]!.agentId })).toEqual(full.slice(0, 2));
    // An agent without evidence is not made up.
    expect(index.match("Translate this into German", { limit: 1, include: "billing" })).toHaveLength(1);
  });

  it("agents put, replaced and removed in any order rank as in a fresh index", () => {
    const churned = indexOf(agents);
    for (const card of agents.slice(0, 9)) churned.remove(card.identity.id);
    churned.put({ identity: { id: "temporary", name: "Temporary" }, skills: [{ id: "x", name: "Refund" }] });
    for (const card of [...agents.slice(0, 9)].reverse()) churned.put(card);
    churned.put(agents[12]!); // replaced by itself
    expect(churned.remove("temporary")).toBe(true);
    expect(churned.remove("temporary")).toBe(false);
    expect(churned.size).toBe(agents.length);
    const fresh = indexOf(agents);
    for (const text of texts.slice(0, 120)) {
      // Same agents with the same evidence; ties may come in another order, so compare sorted.
      const sorted = (rows: ReturnType<typeof ranking>) => rows.map((row) => JSON.stringify(row)).sort();
      expect(sorted(ranking(churned, text))).toEqual(sorted(ranking(fresh, text)));
    }
  });

  it("a word in a tag counts more than the same word in the agent's description", () => {
    const cards: AgentCard[] = [
      { identity: { id: "tagged", name: "A" }, skills: [{ id: "s", name: "S", tags: ["invoice"] }] },
      {
        identity: { id: "described", name: "B", description: "invoice" },
        skills: [{ id: "s", name: "S" }],
      },
    ];
    expect(index.match("invoice", { limit: 5 }).length).toBeGreaterThan(0);
    expect(
      indexOf(cards)
        .match("invoice", { limit: 5 })
        .map((m) => m.agentId),
    ).toEqual(["tagged", "described"]);
  });

  it("a word the skills do not use reaches them through a related word, for less than the word itself", () => {
    const cards: AgentCard[] = [
      { identity: { id: "devices", name: "D" }, skills: [{ id: "s", name: "S", tags: ["hardware"] }] },
      { identity: { id: "other", name: "O" }, skills: [{ id: "t", name: "T", tags: ["unrelated"] }] },
    ];
    const related = indexOf(cards).match("my charger", { limit: 5 });
    expect(related).toMatchObject([{ agentId: "devices", words: ["charger"] }]);
    const direct = indexOf(cards).match("my hardware", { limit: 5 });
    expect(direct[0]!.raw).toBeGreaterThan(related[0]!.raw);
    // One way: "hardware" does not mean "charger".
    const chargers: AgentCard[] = [
      { identity: { id: "c", name: "C" }, skills: [{ id: "s", name: "S", tags: ["charger"] }] },
    ];
    expect(indexOf(chargers).match("hardware", { limit: 5 })).toEqual([]);
  });

  it("a phrase of stop words stands for its meaning, and the reason quotes the phrase", () => {
    const cards: AgentCard[] = [
      { identity: { id: "numbers", name: "N" }, skills: [{ id: "s", name: "S", tags: ["metrics"] }] },
    ];
    expect(indexOf(cards).match("how many of them", { limit: 5 })).toMatchObject([
      { agentId: "numbers", words: ["how many"] },
    ]);
  });
});
