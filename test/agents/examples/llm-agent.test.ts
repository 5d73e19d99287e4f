/**
 * The LLM agent against a real OpenAI-compatible server on loopback (a scripted stub speaking the
 * chat-completions streaming format), driven through OmniForge's A2A client as an orchestrator would.
 */
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, describe, expect, it, vi } from "vitest";
import { A2AClient } from "../../../src/a2a/client/a2a-client.js";
import type { A2AStreamEvent } from "../../../src/a2a/client/types.js";
import { LLM_AGENT_ID, startLlmAgent } from "../../../src/agents/examples/llm-agent.js";
import { startExampleAgent, RUNNABLE_AGENT_NAMES } from "../../../src/cli/example-agents.js";
import { ErrorCode, OrchestrationError } from "../../../src/errors.js";
import { deferred, expectNoUnhandledRejections, rejectionOf } from "../../helpers/a2a.js";
import { TENANT, USER, streamTurn } from "../../helpers/examples.js";
import { LLM_TEST_KEY, LLM_TEST_MODEL, startLlmFixture } from "../../helpers/llm-agent.js";
import { LOOPBACK } from "../../helpers/network.js";
import { hang, streamTokens, type ChatReply } from "../../helpers/openai-compatible-server.js";

expectNoUnhandledRejections();

const HANDOFF_QUESTION = "What states can a handoff be in?";

describe("LLM agent", () => {
  const client = new A2AClient({ network: LOOPBACK });
  afterAll(() => client.close());

  const message = (text: string, threadId = randomUUID(), tenantId = TENANT) => ({
    text,
    contextId: threadId,
    metadata: { omniforge: { tenantId, userId: USER, threadId } },
  });

  it("publishes a card with its name, a description naming the model, and skills with tags and examples", async () => {
    await using fixture = await startLlmFixture();
    expect(fixture.agent.card.identity).toMatchObject({ id: LLM_AGENT_ID, name: "LLM Agent" });
    const remote = await client.getAgentCard(fixture.agent.card);
    expect(remote.name).toBe("LLM Agent");
    expect(remote.description).toContain(LLM_TEST_MODEL);
    expect(remote.capabilities?.streaming).toBe(true);
    expect(remote.skills.map((skill) => skill.id)).toEqual(["answer-from-docs", "follow-up"]);
    for (const skill of remote.skills) {
      expect(skill.tags.length).toBeGreaterThan(0);
      expect(skill.examples.length).toBeGreaterThan(0);
    }
  });

  it("streams each token of the model as its own A2A chunk, in order, and completes with the whole answer", async () => {
    const tokens = ["Handoffs ", "move ", "through ", "states ", "[handoffs.md § States]."];
    const seen = tokens.map(() => deferred());
    // Each token is held back until the A2A client has received the one before: a chunk that
    // carried two tokens would stall the stub, so separate chunks are the only way through.
    const script = async (reply: ChatReply): Promise<void> => {
      for (const [index, token] of tokens.entries()) {
        reply.token(token);
        await seen[index]!.promise;
      }
      reply.finish();
      reply.done();
    };
    await using fixture = await startLlmFixture([script]);
    const chunks: string[] = [];
    const states: string[] = [];
    let taskId = "";
    for await (const event of client.sendStreamingMessage(fixture.agent.card, message(HANDOFF_QUESTION))) {
      if (event.type === "task") taskId = event.taskId;
      if (event.type === "artifact" && event.text !== "") {
        chunks.push(event.text);
        seen[chunks.length - 1]?.resolve();
      }
      if (event.type === "status") states.push(event.state);
    }
    expect(chunks).toEqual(tokens);
    expect(states.at(-1)).toBe("TASK_STATE_COMPLETED");
    expect((await client.getTask(fixture.agent.card, taskId)).text).toBe(tokens.join(""));
  });

  it("sends the model its name, a streamed request with max_tokens, the passages under their sources, the question, and the key as a bearer token", async () => {
    await using fixture = await startLlmFixture([streamTokens(["Pending, active, completed."])]);
    const reply = await streamTurn(client, fixture.agent.card, {
      text: HANDOFF_QUESTION,
      threadId: randomUUID(),
    });
    expect(reply.state).toBe("TASK_STATE_COMPLETED");
    expect(reply.text).toBe("Pending, active, completed.");
    expect(fixture.stub.requests).toHaveLength(1);
    const request = fixture.stub.requests[0]!;
    expect(request.path).toBe("/v1/chat/completions");
    expect(request.headers.authorization).toBe(`Bearer ${LLM_TEST_KEY}`);
    expect(request.body).toMatchObject({ model: LLM_TEST_MODEL, stream: true, max_tokens: 1024 });
    const messages = request.body.messages!;
    expect(messages[0]!.role).toBe("system");
    expect(messages[0]!.content).toContain("Cite the source");
    expect(messages).toHaveLength(2);
    const last = messages[1]!;
    expect(last.role).toBe("user");
    expect(last.content).toMatch(/^Documentation passages:\n\n\[1\] Source: handoffs\.md § /);
    expect(last.content).toContain("pending");
    expect(last.content.endsWith(`Question: ${HANDOFF_QUESTION}`)).toBe(true);
  });

  it("sends no Authorization header when no API key is configured (Ollama, LM Studio)", async () => {
    await using fixture = await startLlmFixture([streamTokens(["ok"])], { apiKey: undefined });
    const reply = await streamTurn(client, fixture.agent.card, { text: "hello", threadId: randomUUID() });
    expect(reply.state).toBe("TASK_STATE_COMPLETED");
    expect(fixture.stub.requests[0]!.headers.authorization).toBeUndefined();
  });

  it("says when no passage matched, and passes on what earlier agents of a chain answered", async () => {
    await using fixture = await startLlmFixture([streamTokens(["I don't know."])]);
    await streamTurn(client, fixture.agent.card, {
      text: "zzyzx qwertyuiop?",
      threadId: randomUUID(),
      previousResults: [{ agentId: "knowledge-agent", response: "Nothing in the docs." }],
    });
    const last = fixture.stub.requests[0]!.body.messages!.at(-1)!.content;
    expect(last).toContain("Documentation passages: none of the documentation matched this question.");
    expect(last).toContain("- knowledge-agent: Nothing in the docs.");
  });

  it("sends the thread's earlier exchanges with a follow-up, and never another tenant's or another user's", async () => {
    await using fixture = await startLlmFixture([
      streamTokens(["A handoff is ", "pending, then active."]),
      streamTokens(["Cancel it with cancelHandoff."]),
      streamTokens(["Which handoff?"]),
      streamTokens(["Which handoff?"]),
    ]);
    const threadId = randomUUID();
    await streamTurn(client, fixture.agent.card, { text: HANDOFF_QUESTION, threadId });
    await streamTurn(client, fixture.agent.card, { text: "And how do I cancel it?", threadId });
    await streamTurn(client, fixture.agent.card, {
      text: "And how do I cancel it?",
      threadId,
      tenantId: "globex",
    });
    // A direct caller who learned the thread id, naming itself another user of the same tenant.
    await streamTurn(client, fixture.agent.card, {
      text: "And how do I cancel it?",
      threadId,
      userId: "mallory",
    });
    const [first, second, other, otherUser] = fixture.stub.requests.map((request) => request.body.messages!);
    expect(first).toHaveLength(2);
    expect(second!.slice(1, 3)).toEqual([
      { role: "user", content: HANDOFF_QUESTION },
      { role: "assistant", content: "A handoff is pending, then active." },
    ]);
    expect(second!.at(-1)!.content).toContain("Question: And how do I cancel it?");
    expect(other).toHaveLength(2);
    expect(otherUser).toHaveLength(2);
  });

  it("marks an answer cut at max_tokens, and declines an empty answer", async () => {
    await using fixture = await startLlmFixture(
      [
        (reply) => {
          reply.token("The states are pending, act");
          reply.finish("length");
          reply.done();
        },
        (reply) => {
          reply.finish("stop");
          reply.done();
        },
      ],
      { maxTokens: 8 },
    );
    const cut = await streamTurn(client, fixture.agent.card, {
      text: HANDOFF_QUESTION,
      threadId: randomUUID(),
    });
    expect(fixture.stub.requests[0]!.body.max_tokens).toBe(8);
    expect(cut.state).toBe("TASK_STATE_COMPLETED");
    expect(cut.text).toBe("The states are pending, act\n\n(The answer was cut at the 8-token limit.)");
    const empty = await streamTurn(client, fixture.agent.card, {
      text: HANDOFF_QUESTION,
      threadId: randomUUID(),
    });
    expect(empty.state).toBe("TASK_STATE_REJECTED");
    expect(empty.statusText).toContain("returned an empty answer");
  });

  it("CancelTask mid-stream aborts the model's request (the server sees the connection closed) and ends the task CANCELED", async () => {
    await using fixture = await startLlmFixture([
      async (reply) => {
        reply.token("Handoffs ");
        await reply.aborted;
      },
    ]);
    const events: A2AStreamEvent[] = [];
    let taskId = "";
    for await (const event of client.sendStreamingMessage(fixture.agent.card, message(HANDOFF_QUESTION))) {
      events.push(event);
      if (event.type === "task") taskId = event.taskId;
      if (event.type === "artifact" && event.text === "Handoffs ") {
        const cancelled = await client.cancelTask(fixture.agent.card, taskId);
        expect(cancelled.state).toBe("TASK_STATE_CANCELED");
      }
    }
    const reply = await fixture.stub.reply(0);
    await reply.aborted;
    expect(reply.wasAborted).toBe(true);
    expect(events.filter((event) => event.type === "status").at(-1)).toMatchObject({
      state: "TASK_STATE_CANCELED",
    });
    expect((await client.getTask(fixture.agent.card, taskId)).state).toBe("TASK_STATE_CANCELED");
  });

  it("a client that goes away mid-stream aborts the model's request too", async () => {
    await using fixture = await startLlmFixture([
      async (reply) => {
        reply.token("Handoffs ");
        await reply.aborted;
      },
    ]);
    let taskId = "";
    for await (const event of client.sendStreamingMessage(fixture.agent.card, message(HANDOFF_QUESTION))) {
      if (event.type === "task") taskId = event.taskId;
      if (event.type === "artifact" && event.text !== "") break;
    }
    const reply = await fixture.stub.reply(0);
    await reply.aborted;
    expect(reply.wasAborted).toBe(true);
    await vi.waitFor(async () => {
      expect((await client.getTask(fixture.agent.card, taskId)).state).toBe("TASK_STATE_CANCELED");
    });
  });

  it("closing the agent while the model is slow to answer aborts the request", async () => {
    const fixture = await startLlmFixture([hang]);
    const turn = streamTurn(client, fixture.agent.card, { text: HANDOFF_QUESTION, threadId: randomUUID() });
    const reply = await fixture.stub.reply(0);
    await fixture.agent.close();
    await reply.aborted;
    expect(reply.wasAborted).toBe(true);
    await turn.catch(() => undefined);
    await fixture.stub.close();
  });

  it("with authenticate, a caller without the token is refused before the model is asked", async () => {
    await using fixture = await startLlmFixture([streamTokens(["For the orchestrator."])], {
      authenticate: (headers) => headers.authorization === "Bearer agent-token",
    });
    const error = await rejectionOf(
      streamTurn(client, fixture.agent.card, { text: HANDOFF_QUESTION, threadId: randomUUID() }),
    );
    expect(error).toBeInstanceOf(OrchestrationError);
    expect(fixture.stub.requests).toHaveLength(0);
    const authorized = new A2AClient({ network: LOOPBACK });
    try {
      const card = {
        ...fixture.agent.card,
        service: { endpoint: fixture.agent.url, auth: { type: "bearer" as const, token: "agent-token" } },
      };
      const reply = await streamTurn(authorized, card, { text: HANDOFF_QUESTION, threadId: randomUUID() });
      expect(reply.text).toBe("For the orchestrator.");
    } finally {
      await authorized.close();
    }
  });

  it("rejects a configuration without an endpoint or model, naming the field", async () => {
    for (const [config, field] of [
      [{ model: "m" }, "config.baseUrl"],
      [{ baseUrl: "ftp://models.example/v1", model: "m" }, "config.baseUrl"],
      [{ baseUrl: "not a url", model: "m" }, "config.baseUrl"],
      [{ baseUrl: "http://localhost:11434/v1" }, "config.model"],
      [{ baseUrl: "http://localhost:11434/v1", model: " " }, "config.model"],
      [{ baseUrl: "http://localhost:11434/v1", model: "m", maxRetries: 9 }, "config.maxRetries"],
      [{ baseUrl: "http://localhost:11434/v1", model: "m", timeoutMs: 0 }, "config.timeoutMs"],
    ] as const) {
      const error = await rejectionOf(startLlmAgent(config as never));
      expect(error, JSON.stringify(config)).toBeInstanceOf(OrchestrationError);
      expect(error.code).toBe(ErrorCode.CONFIGURATION_ERROR);
      expect(error.context?.field).toBe(field);
      expect(error.message.startsWith(`${field}: `)).toBe(true);
    }
    const missing = await rejectionOf(startLlmAgent(undefined as never));
    expect(missing.code).toBe(ErrorCode.CONFIGURATION_ERROR);
  });

  it('startExampleAgent("llm") needs the endpoint and says which variables set it; with it, it serves the LLM agent', async () => {
    expect(RUNNABLE_AGENT_NAMES).toContain("llm");
    const error = await rejectionOf(startExampleAgent("llm", { port: 0, host: "127.0.0.1", dir: "." }));
    expect(error.code).toBe(ErrorCode.CONFIGURATION_ERROR);
    for (const name of ["OMNIFORGE_LLM_BASE_URL", "OMNIFORGE_LLM_MODEL", "OMNIFORGE_LLM_API_KEY"]) {
      expect(error.message).toContain(name);
    }
    await using fixture = await startLlmFixture([streamTokens(["Hi from the CLI agent."])]);
    await using agent = await startExampleAgent("llm", {
      port: 0,
      host: "127.0.0.1",
      dir: ".",
      llm: { baseUrl: fixture.stub.baseUrl, model: "cli-model" },
    });
    expect(agent.card.identity.id).toBe(LLM_AGENT_ID);
    const reply = await streamTurn(client, agent.card, { text: "hello", threadId: randomUUID() });
    expect(reply.text).toBe("Hi from the CLI agent.");
    expect(fixture.stub.requests[0]!.body.model).toBe("cli-model");
    expect(fixture.stub.requests[0]!.headers.authorization).toBeUndefined();
  });

  it("startExampleAgent hands the CLI's logger to the LLM agent: the operator sees its configuration and a model's failure with the endpoint", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString("utf8")) as Record<string, unknown>);
        done();
      },
    });
    // The CLI's agent retries once (maxRetries 1): both attempts fail.
    const boom = (reply: ChatReply) => reply.error(500, "boom", { "retry-after-ms": "1" });
    await using fixture = await startLlmFixture([boom, boom]);
    await using agent = await startExampleAgent("llm", {
      port: 0,
      host: "127.0.0.1",
      dir: ".",
      llm: { baseUrl: fixture.stub.baseUrl, model: "cli-model" },
      logger: pino({ level: "info" }, sink),
    });
    const reply = await streamTurn(client, agent.card, { text: "hello", threadId: randomUUID() });
    expect(reply.statusText).toBe("AGENT_UNAVAILABLE: the model server failed (HTTP 500)");
    const origin = new URL(fixture.stub.baseUrl).origin;
    expect(lines.find((line) => line.msg === "llm agent configured")).toMatchObject({ endpoint: origin });
    expect(lines.find((line) => line.msg === "llm request failed")).toMatchObject({
      endpoint: origin,
      code: "AGENT_UNAVAILABLE",
      httpStatus: 500,
    });
  });
});
