/** The LLM agent's endpoint, as the configuration gives it. */
import type { CliConfig } from "./config/settings.js";
import type { LlmEndpointOptions } from "./example-agents.js";

/** The LLM endpoint when one is configured (the loader has checked that a model comes with it). */
export function llmSettings(config: Partial<CliConfig>): LlmEndpointOptions | undefined {
  if (config.llmBaseUrl === undefined || config.llmModel === undefined) return undefined;
  return {
    baseUrl: config.llmBaseUrl,
    model: config.llmModel,
    ...(config.llmApiKey !== undefined ? { apiKey: config.llmApiKey } : {}),
  };
}
