/** `omniforge serve`: the HTTP gateway, with the example agents by default. */
import type { Command } from "commander";
import { pino } from "pino";
import { A2AClient } from "../../a2a/client/a2a-client.js";
import type { AgentCard } from "../../a2a/agent-card.js";
import type { ServedAgent } from "../../a2a/server/serve-agent.js";
import { discoverAgent, startGateway } from "../../gateway/index.js";
import { NetworkPolicy, allowEntryFor } from "../../security/network-policy.js";
import { Database } from "../../storage/database.js";
import {
  DEFAULT_DATABASE_URL,
  parsePort,
  parsePositiveInt,
  waitForShutdown,
  type CliIo,
} from "../cli-support.js";
import { EXAMPLE_AGENT_NAMES, startExampleAgent } from "../example-agents.js";
import { loadSecretKeyring } from "../secrets.js";

interface ServeOptions {
  db: string;
  port: number;
  host: string;
  examples: boolean;
  agent?: string[];
  dir: string;
  logLevel: string;
  allowNetwork?: string[];
  rateLimit: number;
  rateWindow: number;
}

export function addServeCommand(program: Command, io: CliIo): void {
  program
    .command("serve")
    .description("Run the HTTP gateway (REST + SSE + web console), with the example agents by default")
    .option("--db <url>", "database URL", DEFAULT_DATABASE_URL)
    .option("--port <n>", "port (0 = any free port)", parsePort, 8080)
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--no-examples", "do not start the bundled example agents")
    .option("--agent <url...>", "discover and add the A2A agent at this base URL (repeatable)")
    .option("--dir <path>", "where the example skill agent writes skills and state", ".omniforge")
    .option("--log-level <level>", "pino log level (silent, error, warn, info, debug)", "info")
    .option(
      "--allow-network <entry...>",
      "also let agents be reached here although private: a CIDR, address[:port], host[:port], *.domain, " +
        "or loopback|private|link-local|cgnat|unique-local (env OMNIFORGE_ALLOWED_NETWORKS, comma-separated)",
    )
    .option(
      "--rate-limit <max>",
      "requests per API key per window, shared by every replica",
      parsePositiveInt,
      120,
    )
    .option("--rate-window <ms>", "the rate limit window in milliseconds", parsePositiveInt, 60_000)
    .action((options: ServeOptions) => serve(options, io));
}

/** Migrates, starts the agents and the gateway, and runs until SIGINT or SIGTERM. */
async function serve(options: ServeOptions, io: CliIo): Promise<void> {
  const logger = pino({ level: options.logLevel });
  const database = new Database(options.db);
  const secrets = loadSecretKeyring({ dir: options.dir, write: io.stdout });
  const agents: ServedAgent[] = [];
  let client: A2AClient | undefined;
  try {
    io.stdout(`Migrating ${database.kind} database...\n`);
    await database.initialize();
    if (options.examples) {
      io.stdout("Starting example agents...\n");
      for (const name of EXAMPLE_AGENT_NAMES) {
        agents.push(await startExampleAgent(name, { port: 0, host: "127.0.0.1", dir: options.dir }));
      }
    }
    // The operator's own agents (the examples, --agent URLs) are reachable at their exact host:port.
    const operatorEndpoints = [...agents.map((a) => a.url), ...(options.agent ?? [])].map(allowEntryFor);
    client = new A2AClient({
      logger,
      network: new NetworkPolicy({ allow: allowedNetworks(options) }).extend(operatorEndpoints),
    });
    const cards = await agentCards(agents, options.agent ?? [], client, io);
    const gateway = await startGateway({
      database,
      a2aClient: client,
      agents: cards,
      logger,
      secrets,
      rateLimit: { max: options.rateLimit, timeWindowMs: options.rateWindow },
      port: options.port,
      host: options.host,
    });
    io.stdout(
      `\nOmniForge gateway on ${gateway.url}\n  console: ${gateway.url}/\n  OpenAPI: ${gateway.url}/openapi.json\n`,
    );
    await hintFirstKey(database, options.db, io);
    await waitForShutdown();
    io.stdout("Shutting down...\n");
    await gateway.close();
  } finally {
    await Promise.allSettled(agents.map((a) => a.close()));
    await client?.close();
    await database.close();
  }
}

/** OMNIFORGE_ALLOWED_NETWORKS (comma-separated), then --allow-network. */
function allowedNetworks(options: ServeOptions): string[] {
  return [
    ...(process.env.OMNIFORGE_ALLOWED_NETWORKS ?? "")
      .split(",")
      .map((e) => e.trim())
      .filter(Boolean),
    ...(options.allowNetwork ?? []),
  ];
}

/** The started agents' cards, then those discovered at the --agent URLs; each printed. */
async function agentCards(
  started: readonly ServedAgent[],
  urls: readonly string[],
  client: A2AClient,
  io: CliIo,
): Promise<AgentCard[]> {
  const cards: AgentCard[] = started.map((a) => a.card);
  for (const url of urls) {
    io.stdout(`Discovering ${url}...\n`);
    cards.push(await discoverAgent(client, { url }));
  }
  for (const card of cards)
    io.stdout(`  agent ${card.identity.id.padEnd(22)} ${card.service?.endpoint ?? ""}\n`);
  return cards;
}

/** Tells how to create a key when the database holds none. */
async function hintFirstKey(database: Database, url: string, io: CliIo): Promise<void> {
  const keyCount = await database.db
    .selectFrom("api_keys")
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirstOrThrow();
  if (Number(keyCount.n) === 0) {
    io.stdout(
      `\nNo API keys yet. Create one:\n  omniforge keys create --db ${url} --tenant acme --user alice --role admin\n`,
    );
  }
}
