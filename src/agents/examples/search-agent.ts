/**
 * The serveAgent wiring shared by the knowledge and research agents: load a markdown corpus,
 * index it, and answer every message with the best passages, one chunk per passage — or, when
 * nothing matches, decline it (task REJECTED) with an honest "I found nothing" and the topics it knows.
 */
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { parseConfig } from "../../validation.js";
import type { AgentCard, AgentSkill } from "../../a2a/agent-card.js";
import {
  serveAgent,
  type AgentMessageContext,
  type AgentOutput,
  type ServedAgent,
} from "../../a2a/server/serve-agent.js";
import { DEFAULT_MAX_PASSAGES } from "./defaults.js";
import { exampleAgentConfigShape, type ExampleAgentConfig } from "./example-agent.js";
import {
  PassageIndex,
  renderAnswer,
  renderNoMatch,
  type AnswerStyle,
  type SearchHit,
} from "./document-search.js";

/** Options of a document search agent ({@link startKnowledgeAgent}, {@link startResearchAgent}). */
export interface SearchAgentConfig extends ExampleAgentConfig {
  /** Directory of `*.md` documents to search. Default: the agent's bundled corpus under `data/`. */
  docsDir?: string | URL;
  /** Passages quoted in one answer (1-10). Default 3. */
  maxPassages?: number;
}

/** What distinguishes one search agent from another. */
export interface SearchAgentDefinition {
  identity: AgentCard["identity"];
  skill: AgentSkill;
  style: AnswerStyle;
  /** The bundled corpus. */
  defaultDocsDir: URL;
  /** Suggested when the message has no question in it. */
  exampleQuestion: string;
}

const searchAgentConfigSchema = z.object({
  ...exampleAgentConfigShape,
  docsDir: z.union([z.string().min(1), z.instanceof(URL)]).optional(),
  maxPassages: z.number().int().min(1).max(10).optional(),
});

/** Indexes a search agent's corpus, as the agent does when it starts. */
export function loadCorpusIndex(docsDir: string | URL): Promise<PassageIndex> {
  return PassageIndex.fromDirectory({ dir: docsDir });
}

/**
 * The passages a search agent cites for `question`, best first: exactly what its answer quotes
 * (empty when it would decline). The agents, the retrieval evaluation (`scripts/eval-retrieval.ts`)
 * and anything that wants the same passages as context call this one function.
 */
export function retrievePassages(
  index: PassageIndex,
  question: string,
  options: { maxPassages?: number } = {},
): SearchHit[] {
  return index.search(question, { limit: options.maxPassages ?? DEFAULT_MAX_PASSAGES });
}

async function* answer(
  ctx: AgentMessageContext,
  options: { index: PassageIndex; definition: SearchAgentDefinition; maxPassages: number },
): AsyncGenerator<AgentOutput, void, undefined> {
  const { index, definition, maxPassages } = options;
  const question = ctx.text.trim();
  if (question === "") {
    yield `Ask me a question about ${definition.style.corpusName}, for example: "${definition.exampleQuestion}"`;
    return;
  }
  const hits = retrievePassages(index, question, { maxPassages });
  if (hits.length === 0) {
    // "I found nothing" is no answer: the task ends REJECTED with it, so an orchestrator racing
    // several agents (FIRST_SUCCESS) waits for one that has something.
    const noMatch = renderNoMatch({
      question,
      topics: index.topics,
      style: definition.style,
      previousResults: ctx.previousResults,
    });
    ctx.decline(noMatch.join(""));
    return;
  }
  const chunks = renderAnswer({
    question,
    hits,
    style: definition.style,
    previousResults: ctx.previousResults,
  });
  for (const chunk of chunks) {
    if (ctx.signal.aborted) return;
    yield chunk;
  }
}

/** Starts a search agent described by `definition` with the caller's `config`. */
export async function startSearchAgent(options: {
  definition: SearchAgentDefinition;
  config: SearchAgentConfig | undefined;
}): Promise<ServedAgent> {
  const { definition } = options;
  const config = parseConfig(searchAgentConfigSchema, options.config ?? {}, "config");
  const docsDir = config.docsDir ?? definition.defaultDocsDir;
  const index = await loadCorpusIndex(docsDir);
  const maxPassages = config.maxPassages ?? DEFAULT_MAX_PASSAGES;
  const logger = config.logger;
  logger?.info(
    {
      agentId: definition.identity.id,
      docsDir: docsDir instanceof URL ? fileURLToPath(docsDir) : docsDir,
      documents: index.topics.length,
      passages: index.passages.length,
    },
    "search agent corpus indexed",
  );
  return serveAgent({
    card: { identity: definition.identity, skills: [definition.skill] },
    port: config.port ?? 0,
    host: config.host ?? "127.0.0.1",
    ...(logger ? { logger } : {}),
    handleMessage: (ctx) => answer(ctx, { index, definition, maxPassages }),
  });
}
