/**
 * OmniForge's example agents, each a real A2A service built with serveAgent: a knowledge agent
 * (BM25 search over the bundled OmniForge docs), a research agent (the same over bundled research
 * notes), a skill creator (a handoff workflow that writes a skill file and returns control), and an
 * LLM agent (a language model behind any OpenAI-compatible endpoint, grounded in the same docs).
 */
import { startKnowledgeAgent } from "./knowledge-agent.js";
import { startResearchAgent } from "./research-agent.js";
import { startSkillCreationAgent } from "./skill-creation-agent.js";

export { startKnowledgeAgent, KNOWLEDGE_DOCS_DIR, type KnowledgeAgentConfig } from "./knowledge-agent.js";
export { startResearchAgent, RESEARCH_DOCS_DIR, type ResearchAgentConfig } from "./research-agent.js";
export {
  startSkillCreationAgent,
  SKILL_CREATION_AGENT_ID,
  type SkillCreationAgentConfig,
} from "./skill-creation-agent.js";
export { startLlmAgent, LLM_AGENT_ID, type LlmAgentConfig } from "./llm-agent.js";
export type { ExampleAgentConfig } from "./example-agent.js";
export type { SearchAgentConfig } from "./search-agent.js";
export { SkillPhase, SkillQuestion } from "./skill-workflow.js";

/**
 * The example agents that start without configuration, by name (as used by the demo and `omniforge
 * serve`): name -> start function. The LLM agent is not among them: it needs a model endpoint
 * ({@link startLlmAgent}).
 */
export const EXAMPLE_AGENTS = Object.freeze({
  knowledge: startKnowledgeAgent,
  research: startResearchAgent,
  "skill-creation": startSkillCreationAgent,
});

/** The name of an example agent in {@link EXAMPLE_AGENTS}. */
export type ExampleAgentName = keyof typeof EXAMPLE_AGENTS;
