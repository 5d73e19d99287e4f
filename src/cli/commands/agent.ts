/** `omniforge agent <name>`: run one example agent until interrupted. */
import type { Command } from "commander";
import { parsePort, waitForShutdown, type CliIo } from "../cli-support.js";
import { EXAMPLE_AGENT_NAMES, startExampleAgent } from "../example-agents.js";

export function addAgentCommand(program: Command, io: CliIo): void {
  program
    .command("agent <name>")
    .description(`Run one example agent until interrupted (${EXAMPLE_AGENT_NAMES.join(", ")})`)
    .option("--port <n>", "port (0 = any free port)", parsePort, 0)
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--dir <path>", "skill-creation: where skill files and state go", ".omniforge")
    .action(async (name: string, options: { port: number; host: string; dir: string }) => {
      const agent = await startExampleAgent(name, options);
      io.stdout(`${agent.card.identity.name} (${agent.card.identity.id}) listening on ${agent.url}\n`);
      io.stdout(`A2A card: ${agent.url}/.well-known/agent-card.json — Ctrl+C to stop\n`);
      await waitForShutdown();
      await agent.close();
    });
}
