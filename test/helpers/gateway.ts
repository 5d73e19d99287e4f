/**
 * Gateway test kit: a migrated database, one API key per role in a tenant, and helpers to call
 * the gateway in-process with `app.inject`.
 */
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { ApiKeyService } from "../../src/security/api-keys.js";
import { Role } from "../../src/security/rbac.js";
import type { Database } from "../../src/storage/database.js";
import { CompletionStatus } from "../../src/orchestration/types.js";
import { startAgent, type RecordingAgent } from "./agents.js";

/** One key per role, all for `userId` in `tenantId`. */
export type RoleKeys = Record<Role, string>;

export async function createRoleKeys(options: {
  database: Database;
  tenantId: string;
  userId: string;
}): Promise<RoleKeys> {
  const service = new ApiKeyService(options.database);
  const entries = await Promise.all(
    Object.values(Role).map(async (role) => {
      const created = await service.create({
        tenantId: options.tenantId,
        userId: options.userId,
        role,
        name: `${role} key`,
      });
      return [role, created.key] as const;
    }),
  );
  return Object.fromEntries(entries) as RoleKeys;
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

/** A JSON request through `app.inject`. */
export function call(
  app: FastifyInstance,
  options: {
    method: "GET" | "POST" | "PUT" | "DELETE";
    url: string;
    key?: string;
    body?: unknown;
    headers?: Record<string, string>;
  },
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: options.method,
    url: options.url,
    headers: { ...(options.key ? bearer(options.key) : {}), ...options.headers },
    ...(options.body !== undefined ? { payload: options.body as object } : {}),
  });
}

/** Parses an SSE body into `{ type, data }` frames (comment frames skipped). */
export function parseSse(text: string): Array<{ type: string; data: Record<string, unknown> }> {
  const frames: Array<{ type: string; data: Record<string, unknown> }> = [];
  for (const block of text.split("\n\n")) {
    let type = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) type = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    if (data.length > 0) frames.push({ type, data: JSON.parse(data.join("\n")) as Record<string, unknown> });
  }
  return frames;
}

/** The agents most suites use: two general agents and a handoff-capable skill agent. */
export interface TestAgents {
  knowledge: RecordingAgent;
  research: RecordingAgent;
  skill: RecordingAgent;
  close(): Promise<void>;
}

export async function startTestAgents(): Promise<TestAgents> {
  const knowledge = await startAgent({
    id: "knowledge-agent",
    reply: (ctx) => ["Docs say: ", `answer to ${ctx.text}`],
  });
  const research = await startAgent({ id: "research-agent", reply: () => "Research says: 42" });
  const skill = await startAgent({
    id: "skill-agent",
    onHandoffRequest: async () => ({ accepted: true, estimatedDurationSeconds: 60 }),
    async *handle(ctx) {
      if (/done/i.test(ctx.text)) {
        yield "Skill saved. ";
        ctx.returnControl({
          completionStatus: CompletionStatus.COMPLETED,
          resultSummary: "Created slack-alerts",
          artifactsCreated: ["slack-alerts.md"],
        });
        return;
      }
      yield "Skill step: ";
      yield `what should "${ctx.text}" trigger?`;
    },
  });
  return {
    knowledge,
    research,
    skill,
    close: async () => {
      await Promise.all([knowledge.close(), research.close(), skill.close()]);
    },
  };
}

export const MISSING_THREAD_ID = "00000000-0000-4000-8000-000000000000";

/**
 * A gate agents wait at: `wait(signal)` parks the caller (until opened or aborted), `open()` waits
 * until someone is parked and lets the first one through. No race between "reached" and "opened".
 */
export interface Gate {
  wait(signal: AbortSignal): Promise<void>;
  open(): Promise<void>;
  /** How many callers are parked right now. */
  readonly waiting: number;
}

export function createGate(): Gate {
  const parked: Array<() => void> = [];
  const watchers: Array<() => void> = [];
  return {
    wait(signal) {
      return new Promise<void>((resolve) => {
        const release = () => {
          const index = parked.indexOf(release);
          if (index !== -1) parked.splice(index, 1);
          resolve();
        };
        parked.push(release);
        signal.addEventListener("abort", release, { once: true });
        for (const watcher of watchers.splice(0)) watcher();
      });
    },
    async open() {
      while (parked.length === 0) await new Promise<void>((resolve) => watchers.push(resolve));
      parked[0]!();
    },
    get waiting() {
      return parked.length;
    },
  };
}
