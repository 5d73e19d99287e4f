/**
 * SkillRouter's LLM selector against a real loopback HTTP server speaking the chat-completions wire
 * format (non-streaming JSON): a valid choice is used; an invalid agent id, malformed JSON, an HTTP
 * error or a timeout fall back to the lexical ranking and say so; the caller's signal aborts.
 */
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRoutingSet } from "../../scripts/eval-routing.js";
import { AbortedError, SkillRouter, type LlmSelectorConfig } from "../../src/index.js";
import {
  deferred,
  readRequestBody,
  startHttpServer,
  type Deferred,
  type LoopbackServer,
} from "../helpers/a2a.js";

interface Received {
  headers: IncomingHttpHeaders;
  body: { model: string; messages: Array<{ role: string; content: string }>; response_format?: unknown };
  /** Resolves when the client closed the connection before an answer. */
  closed: Promise<void>;
}
type Script = (response: ServerResponse, received: Received) => void | Promise<void>;

const completion = (content: string) => ({
  id: "chatcmpl-test",
  object: "chat.completion",
  created: 0,
  model: "router-test",
  choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop", logprobs: null }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});
const answer =
  (content: string): Script =>
  (response) => {
    const body = JSON.stringify(completion(content));
    response.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    response.end(body);
  };
const hang: Script = async (_response, received) => {
  await received.closed;
};

const KEY = "sk-test-never-in-a-reason";
const { agents } = loadRoutingSet();
let server: LoopbackServer;
const scripts: Script[] = [];
const received: Received[] = [];
let arrived: Deferred<Received> = deferred();

beforeAll(async () => {
  server = await startHttpServer(async (request, response) => {
    const text = await readRequestBody(request);
    const closed = deferred();
    response.on("close", () => {
      if (!response.writableFinished) closed.resolve();
    });
    const got: Received = {
      headers: request.headers,
      body: JSON.parse(text) as Received["body"],
      closed: closed.promise,
    };
    received.push(got);
    arrived.resolve(got);
    await (scripts.shift() ?? answer("{}"))(response, got);
  });
});
afterAll(async () => {
  await server.close();
});

function selector(llm: Partial<LlmSelectorConfig> = {}): SkillRouter {
  return new SkillRouter({
    agents,
    llm: { baseUrl: `${server.url}/v1`, apiKey: KEY, model: "router-test", ...llm },
  });
}
function next(script: Script): void {
  scripts.push(script);
  arrived = deferred();
}

const DOUBLE_CHARGE = "I was billed twice for March and want the duplicate charge refunded.";

describe("SkillRouter with an LLM selector", () => {
  it("uses the model's choice among the lexical candidates, with its reason", async () => {
    next(answer(JSON.stringify({ agentId: "refunds", reason: "The user asks for money back." })));
    const ranked = await selector().select({ message: DOUBLE_CHARGE });
    expect(ranked[0]).toMatchObject({ agentId: "refunds", reason: "LLM: The user asks for money back." });
    expect(ranked.map((r) => r.agentId)).toContain("billing");
    const request = received.at(-1)!;
    expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request.body.model).toBe("router-test");
    expect(request.body.response_format).toEqual({ type: "json_object" });
    const prompt = JSON.parse(request.body.messages.at(-1)!.content) as {
      message: string;
      candidates: Array<{ agentId: string; skills: unknown[] }>;
    };
    expect(prompt.message).toBe(DOUBLE_CHARGE);
    expect(prompt.candidates.map((c) => c.agentId)).toEqual(expect.arrayContaining(["billing", "refunds"]));
    expect(prompt.candidates.length).toBeLessThanOrEqual(5);
  });

  it("null from the model means nothing fits: []", async () => {
    next(answer('```json\n{"agentId": null, "reason": "Nobody handles this."}\n```'));
    expect(await selector().select({ message: DOUBLE_CHARGE })).toEqual([]);
  });

  it("an agent id that is not a candidate -> the lexical ranking, saying why", async () => {
    next(answer(JSON.stringify({ agentId: "travel", reason: "?" })));
    const lexical = await new SkillRouter({ agents }).select({ message: DOUBLE_CHARGE });
    const ranked = await selector().select({ message: DOUBLE_CHARGE });
    expect(ranked.map((r) => r.agentId)).toEqual(lexical.map((r) => r.agentId));
    for (const r of ranked) expect(r.reason).toMatch(/^LLM selector not used \(invalid answer\); lexical: /);
  });

  it.each([
    ["malformed JSON", answer("{agentId: refunds")],
    ["the wrong shape", answer(JSON.stringify({ choice: "refunds" }))],
    ["an empty answer", answer("")],
  ])("%s -> the lexical ranking", async (_name, script) => {
    next(script);
    const ranked = await selector().select({ message: DOUBLE_CHARGE });
    expect(ranked[0]?.agentId).toBe("billing");
    expect(ranked[0]?.reason).toMatch(/^LLM selector not used \(invalid answer\)/);
  });

  it("an HTTP error -> the lexical ranking; the reason names the status, never the key", async () => {
    next((response) => {
      response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: `bad key ${KEY}`, type: "server_error" } }));
    });
    const ranked = await selector().select({ message: DOUBLE_CHARGE });
    expect(ranked[0]?.reason).toMatch(/^LLM selector not used \(error\)/);
    expect(JSON.stringify(ranked)).not.toContain(KEY);
  });

  it("no answer within timeoutMs -> the lexical ranking, and the request is abandoned", async () => {
    next(hang);
    const ranked = await selector({ timeoutMs: 150 }).select({ message: DOUBLE_CHARGE });
    expect(ranked[0]).toMatchObject({ agentId: "billing" });
    expect(ranked[0]?.reason).toMatch(/^LLM selector not used \(timeout\)/);
    await received.at(-1)!.closed;
  });

  it("the caller's signal aborts the call: AbortedError, and the request is closed", async () => {
    next(hang);
    const controller = new AbortController();
    const selecting = selector({ timeoutMs: 60_000 }).select({
      message: DOUBLE_CHARGE,
      signal: controller.signal,
    });
    const request = await arrived.promise;
    controller.abort();
    await expect(selecting).rejects.toBeInstanceOf(AbortedError);
    await request.closed;
  });

  it("an already aborted signal rejects before any request", async () => {
    const before = received.length;
    await expect(
      selector().select({ message: DOUBLE_CHARGE, signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(AbortedError);
    expect(received.length).toBe(before);
  });

  it("without an API key no Authorization header is sent; a follow-up's previous agent is a candidate", async () => {
    next(answer(JSON.stringify({ agentId: "orders", reason: "Follow-up on the shipment." })));
    const history = [
      { role: "user" as const, text: "Has my order shipped?" },
      { role: "agent" as const, agentId: "orders", text: "Yes, with DHL." },
    ];
    const ranked = await selector({ apiKey: undefined }).select({
      message: "When will it get here?",
      history,
    });
    expect(ranked[0]).toMatchObject({ agentId: "orders", reason: "LLM: Follow-up on the shipment." });
    const request = received.at(-1)!;
    expect(request.headers.authorization).toBeUndefined();
    const prompt = JSON.parse(request.body.messages.at(-1)!.content) as {
      history: unknown[];
      candidates: Array<{ agentId: string }>;
    };
    expect(prompt.history).toHaveLength(2);
    expect(prompt.candidates[0]?.agentId).toBe("orders");
  });
});
