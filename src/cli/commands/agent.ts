/** `omniforge agent <name>`: run one example agent until interrupted. */
import type { Command } from "commander";
import { waitForShutdown, type CliIo } from "../cli-support.js";
import { addSettingOptions, commandConfig } from "../config/config-options.js";
import { AGENT_SETTINGS } from "../config/settings.js";
import { RUNNABLE_AGENT_NAMES, startExampleAgent } from "../example-agents.js";
import { llmSettings } from "../llm-settings.js";
import { createCliLogger } from "../logger.js";

/** An agent beside a gateway takes any free port unless told otherwise. */
const AGENT_DEFAULTS = { port: 0 } as const;

export function addAgentCommand(program: Command, io: CliIo): void {
  const command = program
    .command("agent <name>")
    .description(
      `Run one example agent until interrupted (${RUNNABLE_AGENT_NAMES.join(", ")}); ` +
        "llm needs OMNIFORGE_LLM_BASE_URL and OMNIFORGE_LLM_MODEL",
    );
  addSettingOptions(command, AGENT_SETTINGS, AGENT_DEFAULTS).action(
    async (name: string, _options: unknown, self: Command) => {
      const { values } = commandConfig(self, AGENT_SETTINGS, io, AGENT_DEFAULTS);
      const llm = llmSettings(values);
      // The llm agent's events (a model that failed, with its endpoint) are for the operator to see.
      const logger = createCliLogger({
        level: "info",
        format: "pretty",
        write: io.stderr,
        colorize: io.isTTY === true,
      });
      const agent = await startExampleAgent(name, {
        port: values.port!,
        host: values.host!,
        dir: values.dir!,
        ...(llm ? { llm } : {}),
        logger,
      });
      io.stdout(`${agent.card.identity.name} (${agent.card.identity.id}) listening on ${agent.url}\n`);
      io.stdout(`A2A card: ${agent.url}/.well-known/agent-card.json — Ctrl+C to stop\n`);
      await waitForShutdown(io.signal);
      await agent.close();
    },
  );
}
