/** `omniforge serve`: the HTTP gateway, with the example agents by default. */
import type { Command } from "commander";
import type { Logger } from "pino";
import { A2AClient } from "../../a2a/client/a2a-client.js";
import type { AgentCard } from "../../a2a/agent-card.js";
import type { ServedAgent } from "../../a2a/server/serve-agent.js";
import { discoverAgent, startGateway } from "../../gateway/index.js";
import { NetworkPolicy, allowEntryFor } from "../../security/network-policy.js";
import { Database } from "../../storage/database.js";
import { CliFailure, waitForShutdown, type CliIo } from "../cli-support.js";
import { addSettingOptions, commandConfig } from "../config/config-options.js";
import { describeSource, type LoadedConfig } from "../config/load-config.js";
import { maskDatabaseUrl, maskUrl } from "../config/mask.js";
import { SERVE_SETTINGS } from "../config/settings.js";
import { EXAMPLE_AGENT_NAMES, startExampleAgent } from "../example-agents.js";
import { llmSettings } from "../llm-settings.js";
import { createCliLogger } from "../logger.js";
import { loadSecretKeyring, secretKeySettings } from "../secrets.js";
import { terminalSafe } from "../terminal-text.js";

export function addServeCommand(program: Command, io: CliIo): void {
  const command = program
    .command("serve")
    .description(
      "Run the HTTP gateway (REST + SSE + web console), with the example agents by default. " +
        "Every option may also come from an environment variable or a config file (see `omniforge config`).",
    );
  addSettingOptions(command, SERVE_SETTINGS).action((_options: unknown, self: Command) =>
    serve(commandConfig(self, SERVE_SETTINGS, io), io),
  );
}

/**
 * Migrates, starts the agents and the gateway, and runs until SIGINT or SIGTERM. With JSON logs,
 * standard output carries only the JSON lines (for a collector) and the text for people goes to
 * standard error; with pretty logs both share standard output, in order.
 */
async function serve(loaded: LoadedConfig, io: CliIo): Promise<void> {
  const config = loaded.values;
  const say = config.logFormat === "json" ? io.stderr : io.stdout;
  const logger = createCliLogger({
    level: config.logLevel!,
    format: config.logFormat!,
    write: io.stdout,
    colorize: io.isTTY === true,
  });
  const dir = config.dir!;
  const database = new Database(config.databaseUrl!);
  const secrets = loadSecretKeyring({ dir, ...secretKeySettings(loaded), write: say });
  const llm = llmSettings(config);
  const agents: ServedAgent[] = [];
  let client: A2AClient | undefined;
  try {
    say(`Migrating ${database.kind} database...\n`);
    await database.initialize();
    if (config.examples) {
      say("Starting example agents...\n");
      // The LLM agent needs a model endpoint: it runs when one is configured.
      for (const name of [...EXAMPLE_AGENT_NAMES, ...(llm ? ["llm"] : [])]) {
        agents.push(await startExampleAgent(name, { port: 0, host: "127.0.0.1", dir, llm, logger }));
      }
    }
    // The operator's own agents (the examples, the configured URLs) are reachable at their exact host:port.
    const urls = config.agents ?? [];
    const operatorEndpoints = [...agents.map((a) => a.url), ...urls].map(allowEntryFor);
    client = new A2AClient({
      logger,
      network: new NetworkPolicy({ allow: config.allowedNetworks ?? [] }).extend(operatorEndpoints),
    });
    const cards = await agentCards(agents, urls, client, say);
    const defaultAgentIds = checkDefaultAgents(loaded, cards);
    listAgents(cards, defaultAgentIds, say);
    const gateway = await startGateway({
      database,
      a2aClient: client,
      agents: cards,
      ...(defaultAgentIds ? { defaultAgentIds } : {}),
      logger,
      secrets,
      rateLimit: { max: config.rateLimit!, timeWindowMs: config.rateWindowMs! },
      port: config.port!,
      host: config.host!,
    });
    logListening(logger, gateway.url, cards, defaultAgentIds);
    say(
      `\nOmniForge gateway on ${gateway.url}\n  console: ${gateway.url}/\n  OpenAPI: ${gateway.url}/openapi.json\n`,
    );
    await hintFirstKey(database, databaseFlag(loaded), say);
    await waitForShutdown(io.signal);
    say("Shutting down...\n");
    await gateway.close();
  } finally {
    await Promise.allSettled(agents.map((a) => a.close()));
    await client?.close();
    await database.close();
  }
}

/** The started agents' cards, then those discovered at the configured URLs. */
async function agentCards(
  started: readonly ServedAgent[],
  urls: readonly string[],
  client: A2AClient,
  say: (text: string) => void,
): Promise<AgentCard[]> {
  const cards: AgentCard[] = started.map((a) => a.card);
  for (const url of urls) {
    say(`Discovering ${maskUrl(url)}...\n`);
    cards.push(await discoverAgent(client, { url }));
  }
  return cards;
}

/** The configured default agents, each one of `cards`; undefined when none are configured. */
function checkDefaultAgents(loaded: LoadedConfig, cards: readonly AgentCard[]): string[] | undefined {
  const ids = loaded.values.defaultAgents;
  if (ids === undefined) return undefined;
  const known = cards.map((card) => card.identity.id);
  const unknown = ids.filter((id) => !known.includes(id));
  if (unknown.length > 0) {
    const from = describeSource(loaded.sources.defaultAgents);
    const names = unknown.map((id) => `"${id}"`).join(", ");
    throw new CliFailure(
      `${from}: ${names} ${unknown.length === 1 ? "is not an agent" : "are not agents"} this gateway runs; ` +
        (known.length > 0 ? `the agents are: ${known.join(", ")}` : "it runs no agents"),
    );
  }
  return [...ids];
}

function listAgents(
  cards: readonly AgentCard[],
  defaultAgentIds: readonly string[] | undefined,
  say: (text: string) => void,
): void {
  for (const card of cards) {
    const id = card.identity.id;
    const isDefault = defaultAgentIds ? defaultAgentIds.includes(id) : card.capabilities?.handoff !== true;
    // A discovered agent's card is the agent's text.
    const endpoint = terminalSafe(card.service?.endpoint ?? "");
    say(`  agent ${terminalSafe(id).padEnd(22)} ${endpoint}${isDefault ? "  (default)" : ""}\n`);
  }
}

function logListening(
  logger: Logger,
  url: string,
  cards: readonly AgentCard[],
  defaultAgentIds: readonly string[] | undefined,
): void {
  logger.info(
    { url, agents: cards.map((card) => card.identity.id), ...(defaultAgentIds ? { defaultAgentIds } : {}) },
    "gateway listening",
  );
}

/**
 * `--db <url>` for the hint when the URL came from a flag and holds no password; otherwise nothing:
 * `keys create` reads the same environment and config file.
 */
function databaseFlag(loaded: LoadedConfig): string {
  const url = loaded.values.databaseUrl!;
  if (loaded.sources.databaseUrl.kind !== "flag" || maskDatabaseUrl(url) !== url) return "";
  return ` --db ${url}`;
}

/**
 * Tells how to create a key when the database holds none. `npx omniforge` works both where the
 * package is installed and in a clone after `npm install` (whose `prepare` builds `dist`), where
 * no `omniforge` is on the PATH.
 */
async function hintFirstKey(database: Database, dbFlag: string, say: (text: string) => void): Promise<void> {
  const keyCount = await database.db
    .selectFrom("api_keys")
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirstOrThrow();
  if (Number(keyCount.n) === 0) {
    say(
      `\nNo API keys yet. Create one:\n  npx omniforge keys create${dbFlag} --tenant acme --user alice --role admin\n`,
    );
  }
}
