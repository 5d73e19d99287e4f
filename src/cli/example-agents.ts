/** Starts a bundled example agent by name (the `agent` command, and `serve` without `--no-examples`). */
import { join } from "node:path";
import type { Logger } from "pino";
import type { ServedAgent } from "../a2a/server/serve-agent.js";
import {
  EXAMPLE_AGENTS,
  startKnowledgeAgent,
  startLlmAgent,
  startResearchAgent,
  startSkillCreationAgent,
} from "../agents/examples/index.js";
import { ConfigurationError, ValidationError } from "../errors.js";

/** The example agents that need no configuration (`serve` starts them all). */
export const EXAMPLE_AGENT_NAMES: readonly string[] = Object.keys(EXAMPLE_AGENTS);

/** Every name {@link startExampleAgent} accepts: the above, and `llm` (which needs a model endpoint). */
export const RUNNABLE_AGENT_NAMES: readonly string[] = [...EXAMPLE_AGENT_NAMES, "llm"];

/** The model endpoint the `llm` agent talks to (from OMNIFORGE_LLM_*, flags or the config file). */
export interface LlmEndpointOptions {
  baseUrl: string;
  apiKey?: string;
  model: string;
}

export interface StartExampleAgentOptions {
  port: number;
  host: string;
  dir: string;
  /** Required by `llm`. */
  llm?: LlmEndpointOptions | undefined;
  /** The CLI's logger, for `llm`: its events (a model that failed, with its endpoint) reach the operator. */
  logger?: Logger | undefined;
}

export async function startExampleAgent(
  name: string,
  options: StartExampleAgentOptions,
): Promise<ServedAgent> {
  const base = { port: options.port, host: options.host };
  switch (name) {
    case "knowledge":
      return startKnowledgeAgent(base);
    case "research":
      return startResearchAgent(base);
    case "skill-creation":
      return startSkillCreationAgent({
        ...base,
        skillsDir: join(options.dir, "skills"),
        stateDir: join(options.dir, "skill-state"),
      });
    case "llm": {
      const llm = options.llm;
      if (llm === undefined) {
        throw new ConfigurationError(
          "The llm agent needs a model endpoint: set OMNIFORGE_LLM_BASE_URL (e.g. http://localhost:11434/v1) " +
            "and OMNIFORGE_LLM_MODEL (e.g. llama3.1), plus OMNIFORGE_LLM_API_KEY if the endpoint needs a key",
          { context: { field: "llm" } },
        );
      }
      return startLlmAgent({
        ...base,
        ...(options.logger ? { logger: options.logger } : {}),
        baseUrl: llm.baseUrl,
        model: llm.model,
        ...(llm.apiKey !== undefined && llm.apiKey !== "" ? { apiKey: llm.apiKey } : {}),
      });
    }
    default:
      throw new ValidationError("name", `unknown agent "${name}"; choose ${RUNNABLE_AGENT_NAMES.join(", ")}`);
  }
}
