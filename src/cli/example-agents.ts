/** Starts a bundled example agent by name (the `agent` command, and `serve` without `--no-examples`). */
import { join } from "node:path";
import type { ServedAgent } from "../a2a/server/serve-agent.js";
import {
  EXAMPLE_AGENTS,
  startKnowledgeAgent,
  startResearchAgent,
  startSkillCreationAgent,
} from "../agents/examples/index.js";
import { ValidationError } from "../errors.js";

export const EXAMPLE_AGENT_NAMES: readonly string[] = Object.keys(EXAMPLE_AGENTS);

export async function startExampleAgent(
  name: string,
  options: { port: number; host: string; dir: string },
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
    default:
      throw new ValidationError("name", `unknown agent "${name}"; choose ${EXAMPLE_AGENT_NAMES.join(", ")}`);
  }
}
