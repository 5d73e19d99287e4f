/**
 * The databases and OmniForge stacks the benchmarks run on: SQLite files in a temporary
 * directory and a throwaway PostgreSQL cluster (test/setup/postgres-cluster.ts), started on first
 * use and stopped at the end. OMNIFORGE_BENCH_POSTGRES_URL (or OMNIFORGE_TEST_POSTGRES_URL)
 * points the benchmarks at an existing server instead.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  A2AClient,
  Database,
  HandoffManager,
  OrchestrationManager,
  SqlConversationRepository,
  StreamRouter,
  type AgentCard,
} from "../../src/index.js";
import { processCpuMs } from "./agents.js";
import {
  createPostgresDatabase,
  startPostgresCluster,
  type PostgresCluster,
} from "../../test/setup/postgres-cluster.js";
import { LOOPBACK } from "../../test/helpers/network.js";

export type DatabaseKind = "sqlite" | "postgres";

export class BenchEnvironment implements AsyncDisposable {
  readonly #dir = mkdtempSync(join(tmpdir(), "omniforge-bench-"));
  #cluster: Promise<PostgresCluster | string | null> | undefined;
  #postgresError: string | undefined;

  /** Why PostgreSQL is unavailable, once a PostgreSQL URL was asked for and could not be had. */
  get postgresError(): string | undefined {
    return this.#postgresError;
  }

  /** A URL to a brand-new database of `kind`, or null when PostgreSQL cannot be started here. */
  async createDatabaseUrl(kind: DatabaseKind): Promise<string | null> {
    if (kind === "sqlite") return `sqlite:///${join(this.#dir, `${randomUUID()}.db`)}`;
    const admin = await this.#adminUrl();
    if (admin === null) return null;
    return createPostgresDatabase(admin, "omniforge_bench");
  }

  async #adminUrl(): Promise<string | null> {
    this.#cluster ??= (async () => {
      const configured = process.env.OMNIFORGE_BENCH_POSTGRES_URL ?? process.env.OMNIFORGE_TEST_POSTGRES_URL;
      if (configured) return configured;
      try {
        return await startPostgresCluster();
      } catch (error) {
        this.#postgresError = error instanceof Error ? error.message : String(error);
        return null;
      }
    })();
    const cluster = await this.#cluster;
    return cluster === null ? null : typeof cluster === "string" ? cluster : cluster.url;
  }

  async close(): Promise<void> {
    const cluster = await this.#cluster;
    if (cluster !== null && cluster !== undefined && typeof cluster !== "string") await cluster.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

export const TENANT = "bench-tenant";
export const USER = "bench-user";

/** One orchestrator process's worth of OmniForge: database, repository, client and managers. */
export interface Stack extends AsyncDisposable {
  database: Database;
  repo: SqlConversationRepository;
  client: A2AClient;
  orchestrator: OrchestrationManager;
  handoffs: HandoffManager;
  /** A router whose default agents are `defaultAgents` (when given). */
  router: StreamRouter | undefined;
  /** Creates a thread owned by TENANT/USER and returns its id. */
  newThread(): Promise<string>;
  close(): Promise<void>;
}

export async function openStack(
  url: string,
  options: { defaultAgents?: AgentCard[]; maxConnections?: number } = {},
): Promise<Stack> {
  const database = new Database(
    url,
    options.maxConnections ? { maxConnections: options.maxConnections } : {},
  );
  await database.initialize();
  const repo = new SqlConversationRepository(database);
  const client = new A2AClient({ network: LOOPBACK });
  const orchestrator = new OrchestrationManager({ a2aClient: client, conversationRepo: repo });
  const handoffs = new HandoffManager({ a2aClient: client, conversationRepo: repo });
  const router =
    options.defaultAgents && options.defaultAgents.length > 0
      ? new StreamRouter({
          handoffManager: handoffs,
          orchestrationManager: orchestrator,
          defaultAgents: options.defaultAgents,
        })
      : undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await client.close();
      await database.close();
    })();
    return closing;
  };
  return {
    database,
    repo,
    client,
    orchestrator,
    handoffs,
    router,
    newThread: async () => (await repo.createConversation({ tenantId: TENANT, userId: USER })).id,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Creates `count` threads, each with an accepted handoff to `specialist`. */
export async function threadsWithHandoffs(
  stack: Stack,
  specialist: AgentCard,
  count: number,
): Promise<string[]> {
  const threads: string[] = [];
  for (let i = 0; i < count; i++) {
    const threadId = await stack.newThread();
    const acceptance = await stack.handoffs.initiateHandoff({
      threadId,
      tenantId: TENANT,
      userId: USER,
      sourceAgentId: "main-chatbot",
      targetAgentCard: specialist,
      contextSummary: "Benchmark thread",
      handoffReason: "benchmark",
    });
    if (!acceptance.accepted) throw new Error(`handoff refused: ${acceptance.rejectionReason}`);
    threads.push(threadId);
  }
  return threads;
}

/**
 * CPU used so far by the PostgreSQL backends serving `url`'s database (their process titles name
 * it), in ms; 0 for SQLite (it runs inside this process) and NaN where /proc is unavailable.
 */
export function databaseCpuMs(url: string): number {
  if (!url.startsWith("postgres")) return 0;
  const name = new URL(url).pathname.slice(1);
  let total = 0;
  try {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(name)) continue;
      } catch {
        continue;
      }
      const cpu = processCpuMs(Number(pid));
      if (Number.isFinite(cpu)) total += cpu;
    }
  } catch {
    return Number.NaN;
  }
  return total;
}
