/**
 * The `omniforge` command. Built as a function so tests can run it in-process with their own
 * output streams.
 */
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { join } from "node:path";
import {
  EXAMPLE_AGENTS,
  startKnowledgeAgent,
  startResearchAgent,
  startSkillCreationAgent,
} from "../agents/examples/index.js";
import type { ServedAgent } from "../a2a/server/serve-agent.js";
import { runDemo } from "../demo/run-demo.js";
import { pino } from "pino";
import { A2AClient } from "../a2a/client/a2a-client.js";
import type { AgentCard } from "../a2a/agent-card.js";
import { discoverAgent, startGateway } from "../gateway/index.js";
import { NetworkPolicy, allowEntryFor } from "../security/network-policy.js";
import { SecretKeyring } from "../security/secret-keyring.js";
import { SqlAgentDirectory } from "../storage/sql-agent-directory.js";
import { loadSecretKeyring } from "./secrets.js";
import { ApiKeyService } from "../security/api-keys.js";
import { Role } from "../security/rbac.js";
import { SqlConversationRepository } from "../storage/sql-conversation-repository.js";
import { ThreadAccessError, ValidationError, isOrchestrationError } from "../errors.js";
import { SqlHandoffStore } from "../orchestration/handoff-store.js";
import { Database } from "../storage/database.js";

export const DEFAULT_DATABASE_URL = "sqlite:///omniforge.db";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export function createProgram(io: CliIo = processIo): Command {
  const program = new Command("omniforge")
    .description("Coordinate remote A2A agents: orchestrate, hand off, route.")
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showHelpAfterError();

  program
    .command("migrate")
    .description("Create or upgrade the OmniForge tables in a database (idempotent)")
    .option(
      "--db <url>",
      "database URL: sqlite:///file.db, sqlite::memory:, postgres://...",
      DEFAULT_DATABASE_URL,
    )
    .action(async (options: { db: string }) => {
      const database = new Database(options.db);
      try {
        await database.initialize();
        const applied = await database.appliedMigrations();
        io.stdout(
          `Database ready (${database.kind}): ${applied.length} migration(s) applied: ${applied.join(", ")}\n`,
        );
      } finally {
        await database.dispose();
      }
    });

  program
    .command("demo")
    .description("Run the complete example with real agents on loopback and print the transcript")
    .option("--db <url>", "database URL (default: a SQLite file in the work dir)")
    .option(
      "--dir <path>",
      "work directory for the database, skill files and agent state (default: a new temp dir)",
    )
    .action(async (options: { db?: string; dir?: string }) => {
      const result = await runDemo({
        write: io.stdout,
        ...(options.db ? { databaseUrl: options.db } : {}),
        ...(options.dir ? { workDir: options.dir } : {}),
      });
      if (!result.ok) throw new CliFailure("the demo did not complete every step");
    });

  program
    .command("agent <name>")
    .description(`Run one example agent until interrupted (${Object.keys(EXAMPLE_AGENTS).join(", ")})`)
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
    .action(
      async (options: {
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
      }) => {
        const logger = pino({ level: options.logLevel });
        const database = new Database(options.db);
        const secrets = loadSecretKeyring({ dir: options.dir, write: io.stdout });
        const agents: ServedAgent[] = [];
        // The operator's own agents (the examples, --agent URLs) are reachable at their exact host:port.
        const allow = [
          ...(process.env.OMNIFORGE_ALLOWED_NETWORKS ?? "")
            .split(",")
            .map((e) => e.trim())
            .filter(Boolean),
          ...(options.allowNetwork ?? []),
        ];
        let client: A2AClient | undefined;
        try {
          io.stdout(`Migrating ${database.kind} database...\n`);
          await database.initialize();
          if (options.examples) {
            io.stdout("Starting example agents...\n");
            for (const name of Object.keys(EXAMPLE_AGENTS)) {
              agents.push(await startExampleAgent(name, { port: 0, host: "127.0.0.1", dir: options.dir }));
            }
          }
          const operatorEndpoints = [...agents.map((a) => a.url), ...(options.agent ?? [])].map(
            allowEntryFor,
          );
          client = new A2AClient({ logger, network: new NetworkPolicy({ allow }).extend(operatorEndpoints) });
          const cards: AgentCard[] = agents.map((a) => a.card);
          for (const url of options.agent ?? []) {
            io.stdout(`Discovering ${url}...\n`);
            cards.push(await discoverAgent(client, { url }));
          }
          for (const card of cards)
            io.stdout(`  agent ${card.identity.id.padEnd(22)} ${card.service?.endpoint ?? ""}\n`);
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
          const keyCount = await database.db
            .selectFrom("api_keys")
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow();
          if (Number(keyCount.n) === 0) {
            io.stdout(
              `\nNo API keys yet. Create one:\n  omniforge keys create --db ${options.db} --tenant acme --user alice --role admin\n`,
            );
          }
          await waitForShutdown();
          io.stdout("Shutting down...\n");
          await gateway.close();
        } finally {
          await Promise.allSettled(agents.map((a) => a.close()));
          await client?.close();
          await database.dispose();
        }
      },
    );

  const keys = program.command("keys").description("Manage gateway API keys (stored hashed)");
  keys
    .command("create")
    .description("Create an API key; it is printed once and only its hash is stored")
    .requiredOption("--tenant <id>", "tenant the key acts for")
    .requiredOption("--user <id>", "user the key acts as")
    .requiredOption("--role <role>", `role: ${Object.values(Role).join(", ")}`)
    .option("--name <name>", "a label for listings", "cli")
    .option("--db <url>", "database URL", DEFAULT_DATABASE_URL)
    .action(async (options: { tenant: string; user: string; role: string; name: string; db: string }) => {
      await withDatabase(options.db, async (database) => {
        const created = await new ApiKeyService(database).create({
          tenantId: options.tenant,
          userId: options.user,
          role: options.role as Role,
          name: options.name,
        });
        io.stdout(
          `Created key ${created.id} (${created.role} for ${created.userId} in ${created.tenantId}):\n\n  ${created.key}\n\nStore it now: it cannot be shown again.\n`,
        );
      });
    });
  keys
    .command("list")
    .description("List a tenant's API keys (never the secrets)")
    .requiredOption("--tenant <id>", "tenant id")
    .option("--db <url>", "database URL", DEFAULT_DATABASE_URL)
    .action(async (options: { tenant: string; db: string }) => {
      await withDatabase(options.db, async (database) => {
        const list = await new ApiKeyService(database).list({ tenantId: options.tenant });
        if (list.length === 0) io.stdout(`No API keys for tenant ${options.tenant}.\n`);
        for (const k of list) {
          const status = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : "active";
          io.stdout(`${k.id}  ${k.prefix}…  ${k.role.padEnd(9)}  ${k.userId}  ${k.name}  ${status}\n`);
        }
      });
    });
  keys
    .command("revoke <keyId>")
    .description("Revoke an API key")
    .requiredOption("--tenant <id>", "tenant id")
    .option("--db <url>", "database URL", DEFAULT_DATABASE_URL)
    .action(async (keyId: string, options: { tenant: string; db: string }) => {
      await withDatabase(options.db, async (database) => {
        const revoked = await new ApiKeyService(database).revoke({ id: keyId, tenantId: options.tenant });
        if (!revoked) throw new CliFailure(`no active key ${keyId} in tenant ${options.tenant}`);
        io.stdout(`Revoked ${keyId}.\n`);
      });
    });

  const secrets = program
    .command("secrets")
    .description("The key that encrypts agent credentials at rest (OMNIFORGE_SECRET_KEY)");
  secrets
    .command("generate")
    .description("Print a new random key (put it in OMNIFORGE_SECRET_KEY or a key file)")
    .action(() => {
      io.stdout(`${SecretKeyring.generateKey()}\n`);
    });
  secrets
    .command("rotate")
    .description(
      "Re-encrypt every stored credential with the current key: set OMNIFORGE_SECRET_KEY to 'new,old' first",
    )
    .option("--db <url>", "database URL", DEFAULT_DATABASE_URL)
    .action(async (options: { db: string }) => {
      const keyring = SecretKeyring.fromEnvironment();
      if (!keyring) {
        throw new CliFailure(
          "no key configured: set OMNIFORGE_SECRET_KEY (newest key first) or OMNIFORGE_SECRET_KEY_FILE",
        );
      }
      await withDatabase(options.db, async (database) => {
        const agents = await new SqlAgentDirectory({ database, secrets: keyring }).sealCredentials();
        const sessions = await new SqlHandoffStore(database).resealCredentials(keyring);
        io.stdout(
          `Re-encrypted with key ${keyring.currentKeyId}: ${agents} registered agent(s), ${sessions} handoff session(s).\n`,
        );
      });
    });

  const threads = program.command("threads").description("Inspect conversation threads");
  threads
    .command("list")
    .description("List a tenant's threads, newest first")
    .requiredOption("--tenant <id>", "tenant id")
    .option("--user <id>", "only this user's threads")
    .option("--limit <n>", "how many", parsePositiveInt, 20)
    .option("--db <url>", "database URL", DEFAULT_DATABASE_URL)
    .action(async (options: { tenant: string; user?: string; limit: number; db: string }) => {
      await withDatabase(options.db, async (database) => {
        const repo = new SqlConversationRepository(database);
        const list = await repo.listConversations({
          tenantId: options.tenant,
          limit: options.limit,
          ...(options.user ? { userId: options.user } : {}),
        });
        if (list.length === 0) io.stdout(`No threads for tenant ${options.tenant}.\n`);
        for (const t of list) {
          io.stdout(
            `${t.id}  ${t.createdAt.toISOString()}  ${t.userId}  ${t.conversationType}  ${t.title || "(untitled)"}\n`,
          );
        }
      });
    });
  threads
    .command("show <threadId>")
    .description("Show a thread's messages and handoff history")
    .requiredOption("--tenant <id>", "tenant id")
    .option("--limit <n>", "how many messages", parsePositiveInt, 100)
    .option("--db <url>", "database URL", DEFAULT_DATABASE_URL)
    .action(async (threadId: string, options: { tenant: string; limit: number; db: string }) => {
      await withDatabase(options.db, async (database) => {
        const repo = new SqlConversationRepository(database);
        const thread = await repo.getConversation({ conversationId: threadId, tenantId: options.tenant });
        if (!thread) throw new ThreadAccessError(threadId);
        io.stdout(
          `Thread ${thread.id} (${thread.conversationType}) "${thread.title}" — user ${thread.userId}\n\n`,
        );
        const messages = await repo.getMessages({
          conversationId: threadId,
          tenantId: options.tenant,
          limit: options.limit,
        });
        for (const m of messages) {
          const who = m.role === "assistant" ? `assistant[${m.agentId ?? "?"}]` : m.role;
          io.stdout(`${m.createdAt.toISOString()}  ${who}: ${m.content}\n`);
        }
        const sessions = await new SqlHandoffStore(database).list(threadId, options.tenant);
        if (sessions.length > 0) io.stdout("\nHandoffs:\n");
        for (const s of sessions) {
          io.stdout(
            `  ${s.handoffId}  ${s.state.padEnd(9)}  ${s.sourceAgentId} -> ${s.targetAgentId}  ${s.handoffReason}\n`,
          );
        }
      });
    });

  return program;
}

/** A command failed with a message already explained to the user. */
class CliFailure extends Error {}

async function startExampleAgent(
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
      throw new ValidationError(
        "name",
        `unknown agent "${name}"; choose ${Object.keys(EXAMPLE_AGENTS).join(", ")}`,
      );
  }
}

/** Resolves on SIGINT or SIGTERM. */
export function waitForShutdown(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError("must be a port number (0-65535)");
  return n;
}

async function withDatabase(url: string, fn: (database: Database) => Promise<void>): Promise<void> {
  const database = new Database(url);
  try {
    await database.initialize();
    await fn(database);
  } finally {
    await database.dispose();
  }
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

/** Runs the CLI; resolves to the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliFailure) {
      io.stderr(`omniforge: ${error.message}\n`);
      return 1;
    }
    const message = isOrchestrationError(error)
      ? `${error.code}: ${error.message}`
      : String((error as Error)?.message ?? error);
    io.stderr(`omniforge: ${message}\n`);
    return 1;
  }
}
