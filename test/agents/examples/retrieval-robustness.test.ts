import { beforeAll, describe, expect, it } from "vitest";
import { KNOWLEDGE_DOCS_DIR } from "../../../src/agents/examples/knowledge-agent.js";
import { RESEARCH_DOCS_DIR } from "../../../src/agents/examples/research-agent.js";
import { loadCorpusIndex, retrievePassages } from "../../../src/agents/examples/search-agent.js";
import { questionWords } from "../../../src/agents/examples/search-terms.js";
import { withinOneEdit } from "../../../src/agents/examples/search-vocabulary.js";
import type { PassageIndex } from "../../../src/agents/examples/document-search.js";
import { SANITIZER_TOKENS } from "../../../src/security/sanitizer/tokens.js";

/**
 * Questions with noise around them (a sanitizer's placeholder, a greeting, a typo) are answered
 * as the clean question is, through the function the agents call (`retrievePassages`), on the
 * bundled corpora.
 */
describe("retrieval robustness", () => {
  let knowledge: PassageIndex;
  let research: PassageIndex;
  const sources = (index: PassageIndex, question: string) =>
    retrievePassages(index, question).map((hit) => hit.source);
  beforeAll(async () => {
    knowledge = await loadCorpusIndex(KNOWLEDGE_DOCS_DIR);
    research = await loadCorpusIndex(RESEARCH_DOCS_DIR);
  });

  it("the clean question is answered by both agents", () => {
    expect(sources(knowledge, "How do handoffs work?")).toHaveLength(3);
    expect(sources(research, "How do handoffs work?")).toEqual([
      "multi-agent-systems.md § Delegation versus handoff",
    ]);
  });

  it("a sanitizer placeholder is no question word: 'mail [EMAIL]' after the question changes nothing", () => {
    for (const index of [knowledge, research]) {
      const clean = sources(index, "How do handoffs work?");
      expect(sources(index, "How do handoffs work? mail [EMAIL]")).toEqual(clean);
      for (const token of Object.values(SANITIZER_TOKENS)) {
        expect(sources(index, `How do handoffs work? ${token}`), token).toEqual(clean);
      }
      expect(sources(index, "How do handoffs work? [ACCOUNT_ID] [PHONE] [CARD]")).toEqual(clean);
    }
    expect(questionWords("reach me at [EMAIL] or [PHONE]").map((w) => w.term)).toEqual(["reach"]);
    // A question made of placeholders only has nothing to search.
    expect(sources(knowledge, "[EMAIL] [PHONE] [REDACTED]")).toEqual([]);
  });

  it("a typo of a corpus word is read as that word (one edit, a swap counts as one)", () => {
    for (const index of [knowledge, research]) {
      expect(sources(index, "How do hnadoffs work?")).toEqual(sources(index, "How do handoffs work?"));
      expect(sources(index, "How do handofs work?")).toEqual(sources(index, "How do handoffs work?"));
    }
    expect(withinOneEdit("hnadoffs", "handoffs")).toBe(true);
    expect(withinOneEdit("handofs", "handoffs")).toBe(true);
    expect(withinOneEdit("hnadofs", "handoffs")).toBe(false);
    // A name is not corrected into a corpus word ("Paris" is no slip for "parts").
    expect(sources(knowledge, "What will the weather be in Paris tomorrow?")).toEqual([]);
  });

  it("greetings and question framing are not question words", () => {
    expect(questionWords("Hey, quick question, thanks: how do handoffs work?").map((w) => w.term)).toEqual([
      "handoff",
    ]);
    expect(sources(knowledge, "hi, quick question: how do handoffs work? thanks")).toEqual(
      sources(knowledge, "How do handoffs work?"),
    );
  });

  it("a question whose words the corpus barely knows is declined", () => {
    expect(sources(knowledge, "Give me a sourdough bread recipe")).toEqual([]);
    expect(sources(research, "Which port does the gateway listen on by default?")).toEqual([]);
  });
});
