/** The LLM agent's test fixture: a scripted OpenAI-compatible stub and the agent pointed at it. */
import type { ServedAgent } from "../../src/a2a/server/serve-agent.js";
import { startLlmAgent, type LlmAgentConfig } from "../../src/agents/examples/llm-agent.js";
import {
  startOpenAICompatibleServer,
  type ChatScript,
  type OpenAICompatibleServer,
} from "./openai-compatible-server.js";

/** The key the tests configure; it must never show up in a reply, a status or a log. */
export const LLM_TEST_KEY = "sk-omniforge-test-5f1c0e9a7b3d4c2e";
export const LLM_TEST_MODEL = "stub-llama";

export interface LlmFixture extends AsyncDisposable {
  readonly stub: OpenAICompatibleServer;
  readonly agent: ServedAgent;
}

/**
 * A stub answering with `scripts` (in order) and an LLM agent using it with the test key and no
 * retries, unless `config` says otherwise.
 */
export async function startLlmFixture(
  scripts: ChatScript[] = [],
  config: Partial<LlmAgentConfig> = {},
): Promise<LlmFixture> {
  const stub = await startOpenAICompatibleServer();
  stub.enqueue(...scripts);
  let agent: ServedAgent;
  try {
    agent = await startLlmAgent({
      baseUrl: stub.baseUrl,
      model: LLM_TEST_MODEL,
      apiKey: LLM_TEST_KEY,
      maxRetries: 0,
      ...config,
    });
  } catch (error) {
    await stub.close();
    throw error;
  }
  const close = async (): Promise<void> => {
    await agent.close();
    await stub.close();
  };
  return { stub, agent, [Symbol.asyncDispose]: close };
}
