/**
 * The knowledge agent: answers questions about OmniForge itself from a bundled set of markdown
 * documents (`data/knowledge/*.md`), quoting the best passages with their sources.
 */
import type { ServedAgent } from "../../a2a/server/serve-agent.js";
import { startSearchAgent, type SearchAgentConfig, type SearchAgentDefinition } from "./search-agent.js";

/** Options of {@link startKnowledgeAgent}. */
export type KnowledgeAgentConfig = SearchAgentConfig;

/** The bundled OmniForge documentation (the same depth works from `src/` and `dist/`). */
export const KNOWLEDGE_DOCS_DIR = new URL("../../../data/knowledge/", import.meta.url);

const KNOWLEDGE_AGENT: SearchAgentDefinition = {
  identity: {
    id: "knowledge-agent",
    name: "Knowledge Base Agent",
    description: "Searches the OmniForge documentation and answers with quoted passages and their sources",
    version: "1.0.0",
  },
  skill: {
    id: "search-omniforge-docs",
    name: "Search OmniForge documentation",
    description:
      "Full-text (BM25) search over the OmniForge docs: orchestration, handoffs, routing, RBAC, PII, storage, CLI",
    tags: ["search", "documentation", "omniforge"],
    examples: ["What delegation strategies are there?", "Which roles can cancel a handoff?"],
  },
  style: { corpusName: "the OmniForge knowledge base", itemNoun: "passage" },
  defaultDocsDir: KNOWLEDGE_DOCS_DIR,
  exampleQuestion: "What delegation strategies does OmniForge support?",
};

/**
 * Starts the Knowledge Base Agent (`knowledge-agent`): a real A2A agent that searches the bundled
 * OmniForge docs (or `docsDir`) and streams an answer, one chunk per quoted passage.
 *
 * @example
 * ```ts
 * await using knowledge = await startKnowledgeAgent();
 * await orchestrator.delegateToAgents({ ..., targetAgentCards: [knowledge.card] });
 * ```
 */
export function startKnowledgeAgent(config?: KnowledgeAgentConfig): Promise<ServedAgent> {
  return startSearchAgent({ definition: KNOWLEDGE_AGENT, config });
}
