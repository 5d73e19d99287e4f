/**
 * Fuzzing (fast-check, fixed seeds): a fake agent answers with arbitrary and mutated JSON-RPC
 * bodies and SSE streams (random JSON, wrong types, huge strings within limits, truncated frames,
 * odd status codes and content types, random chunking). A2AClient.sendMessage,
 * sendStreamingMessage and delegateToAgents must never crash and never leave an unhandled
 * rejection: always a result or a typed OrchestrationError naming an agent failure.
 *
 * Gateway route fuzzing belongs to the gateway and lives in test/reliability/gateway-fuzz.test.ts
 * (it can reuse ./support/arbitraries.ts).
 */
import type { ServerResponse } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import type { A2AStreamEvent, SendResult } from "../../src/a2a/client/types.js";
import type { AgentCard } from "../../src/a2a/agent-card.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { ErrorCode, isOrchestrationError } from "../../src/errors.js";
import { OrchestrationManager } from "../../src/orchestration/orchestration-manager.js";
import { DelegationStrategy } from "../../src/orchestration/types.js";
import { Database } from "../../src/storage/database.js";
import {
  a2aCardJson,
  cardFor,
  readRequestBody,
  startHttpServer,
  type LoopbackServer,
} from "../helpers/a2a.js";
import {
  ID_PLACEHOLDER,
  jsonResponsePlan,
  sseResponsePlan,
  type ResponsePlan,
} from "./support/arbitraries.js";
import { installProcessGuard } from "./support/process-guard.js";
import { LOOPBACK } from "../helpers/network.js";

const guard = installProcessGuard();

/** What an agent's misbehaviour may legitimately turn into. INTERNAL_ERROR would be a bug of ours. */
const AGENT_FAILURES: ReadonlySet<string> = new Set([
  ErrorCode.AGENT_UNAVAILABLE,
  ErrorCode.AGENT_PROTOCOL_ERROR,
  ErrorCode.AGENT_TASK_FAILED,
  ErrorCode.AGENT_RESPONSE_TOO_LARGE,
  // A task ending REJECTED is the agent declining (no answer), in a delegation's results.
  ErrorCode.AGENT_DECLINED,
]);
const EVENT_TYPES = new Set(["task", "status", "message", "artifact"]);
const CALL_TIMEOUT_MS = 5_000;
const SEED = 20_260_401;

let server: LoopbackServer;
let card: AgentCard;
let plan: ResponsePlan | undefined;
let client: A2AClient;
let database: Database;
let orchestrator: OrchestrationManager;
let threadId: string;

function deliver(response: ServerResponse, current: ResponsePlan, rpcId: unknown): void {
  // Swap the placeholder id for the real one, keeping the chunk boundaries.
  const real = JSON.stringify(rpcId) ?? "null";
  const chunks = current.chunks.map((chunk) => chunk.replaceAll(String(ID_PLACEHOLDER), real));
  response.writeHead(current.status, current.contentType ? { "content-type": current.contentType } : {});
  response.flushHeaders();
  let index = 0;
  const next = (): void => {
    if (response.destroyed) return;
    if (index < chunks.length) {
      response.write(chunks[index++]!);
      setImmediate(next);
    } else if (current.drop) {
      response.socket?.destroy();
    } else {
      response.end();
    }
  };
  next();
}

beforeAll(async () => {
  let baseUrl = "";
  server = await startHttpServer(async (request, response) => {
    if (request.method === "GET") {
      const body = JSON.stringify(a2aCardJson(`${baseUrl}/rpc`));
      response.writeHead(200, { "content-type": "application/json" });
      response.end(body);
      return;
    }
    const rpc = JSON.parse(await readRequestBody(request)) as { id: unknown };
    if (plan === undefined) {
      response.writeHead(500);
      response.end();
      return;
    }
    deliver(response, plan, rpc.id);
  });
  baseUrl = server.url;
  card = cardFor(server.url, "fuzzed-agent");
  client = new A2AClient({ network: LOOPBACK, maxResponseBytes: 1024 * 1024 });
  database = new Database("sqlite::memory:");
  await database.initialize();
  const repo = new SqlConversationRepository(database);
  orchestrator = new OrchestrationManager({ a2aClient: client, conversationRepo: repo });
  threadId = (await repo.createConversation({ tenantId: "fuzz", userId: "fuzzer" })).id;
});

afterAll(async () => {
  await client?.close();
  await database?.close();
  await server?.close();
});

function expectTypedAgentFailure(error: unknown): void {
  if (!isOrchestrationError(error)) throw new Error(`untyped failure: ${String(error)}`, { cause: error });
  expect(AGENT_FAILURES, `${error.code}: ${error.message}`).toContain(error.code);
}

function expectSendResult(result: SendResult): void {
  expect(["task", "message"]).toContain(result.kind);
  expect(typeof result.text).toBe("string");
  expect(Array.isArray(result.data)).toBe(true);
  for (const data of result.data) expect(typeof data).toBe("object");
}

function expectEvent(event: A2AStreamEvent): void {
  expect(EVENT_TYPES).toContain(event.type);
  if (event.type !== "task") {
    expect(typeof event.text).toBe("string");
    expect(Array.isArray(event.data)).toBe(true);
  }
}

const outcomes: Record<string, Record<string, number>> = {};
function tally(property: string, outcome: string): void {
  const counts = (outcomes[property] ??= {});
  counts[outcome] = (counts[outcome] ?? 0) + 1;
}

describe("agent responses under fuzzing", () => {
  it("A2AClient.sendMessage: a SendResult or a typed agent failure", async () => {
    await fc.assert(
      fc.asyncProperty(jsonResponsePlan(), async (generated) => {
        plan = generated;
        try {
          expectSendResult(await client.sendMessage(card, { text: "fuzz" }, { timeoutMs: CALL_TIMEOUT_MS }));
          tally("sendMessage", "result");
        } catch (error) {
          expectTypedAgentFailure(error);
          tally("sendMessage", (error as { code: string }).code);
        }
      }),
      { seed: SEED, numRuns: 600 },
    );
    guard.expectClean("sendMessage fuzzing");
  });

  it("A2AClient.sendStreamingMessage: typed events, then the end or a typed agent failure", async () => {
    await fc.assert(
      fc.asyncProperty(sseResponsePlan(), async (generated) => {
        plan = generated;
        try {
          for await (const event of client.sendStreamingMessage(
            card,
            { text: "fuzz" },
            { timeoutMs: CALL_TIMEOUT_MS },
          ))
            expectEvent(event);
          tally("sendStreamingMessage", "ended");
        } catch (error) {
          expectTypedAgentFailure(error);
          tally("sendStreamingMessage", (error as { code: string }).code);
        }
      }),
      { seed: SEED + 1, numRuns: 600 },
    );
    guard.expectClean("sendStreamingMessage fuzzing");
  });

  it.each([
    [DelegationStrategy.PARALLEL, "json", 2],
    [DelegationStrategy.SEQUENTIAL, "json", 3],
    [DelegationStrategy.FIRST_SUCCESS, "sse", 4],
  ] as const)(
    "delegateToAgents %s: never throws; one result, successful or with an agent failure code",
    async (strategy, kind, seedOffset) => {
      const plans = kind === "json" ? jsonResponsePlan() : sseResponsePlan();
      await fc.assert(
        fc.asyncProperty(plans, async (generated) => {
          plan = generated;
          const results = await orchestrator.delegateToAgents({
            threadId,
            tenantId: "fuzz",
            userId: "fuzzer",
            message: "fuzz",
            targetAgentCards: [card],
            strategy,
            timeoutMs: CALL_TIMEOUT_MS,
          });
          expect(results).toHaveLength(1);
          const [result] = results;
          if (result!.success) {
            expect(typeof result!.response).toBe("string");
            tally(`delegate ${strategy}`, "success");
          } else {
            expect(AGENT_FAILURES, `${result!.errorCode}: ${result!.error}`).toContain(result!.errorCode);
            tally(`delegate ${strategy}`, result!.errorCode!);
          }
        }),
        { seed: SEED + seedOffset, numRuns: 250 },
      );
      guard.expectClean(`delegateToAgents ${strategy} fuzzing`);
    },
  );
});

afterAll(() => {
  process.stdout.write(`\n[reliability] fuzz outcomes: ${JSON.stringify(outcomes)}\n`);
});
