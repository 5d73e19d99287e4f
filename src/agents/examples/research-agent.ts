/**
 * The research agent: a second, independent source. It answers background questions (multi-agent
 * systems, A2A, retrieval and BM25, privacy, rate limiting, SSE, state machines, durability...)
 * from a bundled set of notes (`data/research/*.md`), with findings and their sources.
 */
import type { ServedAgent } from "../../a2a/server/serve-agent.js";
import { startSearchAgent, type SearchAgentConfig, type SearchAgentDefinition } from "./search-agent.js";

/** Options of {@link startResearchAgent}. */
export type ResearchAgentConfig = SearchAgentConfig;

/** The bundled research notes (the same depth works from `src/` and `dist/`). */
export const RESEARCH_DOCS_DIR = new URL("../../../data/research/", import.meta.url);

const RESEARCH_AGENT: SearchAgentDefinition = {
  identity: {
    id: "research-agent",
    name: "Research Agent",
    description:
      "Answers background questions on agents, protocols, retrieval, privacy and reliability from research notes",
    version: "1.0.0",
  },
  skill: {
    id: "research-notes",
    name: "Search research notes",
    description:
      "Full-text (BM25) search over background notes: multi-agent systems, A2A, retrieval, BM25, PII, rate limiting, SSE, state machines, durability",
    tags: ["research", "background", "search"],
    examples: ["How does BM25 rank documents?", "What is a circuit breaker?"],
  },
  style: { corpusName: "the research notes", itemNoun: "finding" },
  defaultDocsDir: RESEARCH_DOCS_DIR,
  exampleQuestion: "How does BM25 rank documents?",
};

/**
 * Starts the Research Agent (`research-agent`): a real A2A agent that searches the bundled research
 * notes (or `docsDir`) and streams its findings, one chunk per finding, with sources.
 */
export function startResearchAgent(config?: ResearchAgentConfig): Promise<ServedAgent> {
  return startSearchAgent({ definition: RESEARCH_AGENT, config });
}
