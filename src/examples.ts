/**
 * `omniforge/examples`: the example agents (knowledge base, research, skill creation, LLM) and the demo
 * that runs them through the library. Named re-exports only; `test/index.test.ts` holds the list.
 */
export {
  startKnowledgeAgent,
  startResearchAgent,
  startSkillCreationAgent,
  startLlmAgent,
  SKILL_CREATION_AGENT_ID,
  LLM_AGENT_ID,
  EXAMPLE_AGENTS,
  KNOWLEDGE_DOCS_DIR,
  RESEARCH_DOCS_DIR,
  SkillPhase,
  SkillQuestion,
  type ExampleAgentName,
  type ExampleAgentConfig,
  type KnowledgeAgentConfig,
  type ResearchAgentConfig,
  type SkillCreationAgentConfig,
  type LlmAgentConfig,
  type SearchAgentConfig,
} from "./agents/examples/index.js";
export { runDemo, type DemoConfig, type DemoResult, type DemoStep } from "./demo/run-demo.js";
