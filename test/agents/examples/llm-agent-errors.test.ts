/**
 * The LLM agent when its model fails: every failure ends the A2A task FAILED with a status message
 * that starts with an OmniForge error code, names what went wrong, and never carries the API key —
 * nor does any log line. Real loopback servers throughout (a scripted chat-completions stub, a port
 * nothing listens on).
 */
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, describe, expect, it, vi } from "vitest";
import { A2AClient } from "../../../src/a2a/client/a2a-client.js";
import { startLlmAgent } from "../../../src/agents/examples/llm-agent.js";
import { closedPort, expectNoUnhandledRejections } from "../../helpers/a2a.js";
import { streamTurn } from "../../helpers/examples.js";
import { LLM_TEST_KEY, startLlmFixture } from "../../helpers/llm-agent.js";
import { LOOPBACK } from "../../helpers/network.js";
import { hang, streamTokens, type ChatScript } from "../../helpers/openai-compatible-server.js";

expectNoUnhandledRejections();

const QUESTION = "What states can a handoff be in?";

/** A script answering `status` with a body that echoes the key, as a careless server might. */
const failWith =
  (status: number, headers: Record<string, string> = {}): ChatScript =>
  (reply) =>
    reply.error(status, `request with key ${LLM_TEST_KEY} failed (status ${status})`, headers);

describe("LLM agent failures", () => {
  const client = new A2AClient({ network: LOOPBACK });
  afterAll(() => client.close());

  const ask = (card: Parameters<typeof streamTurn>[1]) =>
    streamTurn(client, card, { text: QUESTION, threadId: randomUUID() });

  it.each([
    [401, "CONFIGURATION_ERROR", /refused the API key \(HTTP 401\); check OMNIFORGE_LLM_API_KEY$/],
    [403, "CONFIGURATION_ERROR", /refused the API key \(HTTP 403\)/],
    [404, "CONFIGURATION_ERROR", /has no model "stub-llama" or no chat completions API \(HTTP 404\)/],
    [429, "AGENT_UNAVAILABLE", /is rate limiting requests \(HTTP 429\).*; try again later$/],
    [500, "AGENT_UNAVAILABLE", /failed \(HTTP 500\): request with key \[REDACTED\] failed/],
    [503, "AGENT_UNAVAILABLE", /failed \(HTTP 503\)/],
    [400, "AGENT_PROTOCOL_ERROR", /refused the request \(HTTP 400\)/],
  ])("HTTP %i -> task FAILED with %s, and no key in the message", async (status, code, text) => {
    await using fixture = await startLlmFixture([failWith(status)]);
    const reply = await ask(fixture.agent.card);
    expect(reply.state).toBe("TASK_STATE_FAILED");
    expect(reply.statusText.startsWith(`${code}: `)).toBe(true);
    expect(reply.statusText).toMatch(text);
    expect(reply.statusText).toContain(new URL(fixture.stub.baseUrl).origin);
    expect(reply.statusText).not.toContain(LLM_TEST_KEY);
    expect(reply.text).toBe("");
    // maxRetries 0: one request, however retryable the status.
    expect(fixture.stub.requests).toHaveLength(1);
  });

  it("connection refused -> AGENT_UNAVAILABLE naming ECONNREFUSED", async () => {
    const port = await closedPort();
    await using agent = await startLlmAgent({
      baseUrl: `http://127.0.0.1:${port}/v1`,
      model: "m",
      apiKey: LLM_TEST_KEY,
      maxRetries: 0,
    });
    const reply = await ask(agent.card);
    expect(reply.state).toBe("TASK_STATE_FAILED");
    expect(reply.statusText).toBe(
      `AGENT_UNAVAILABLE: could not reach the model at http://127.0.0.1:${port} (ECONNREFUSED)`,
    );
  });

  it("a stream that stops before the model finished (no finish_reason, no [DONE]) -> AGENT_PROTOCOL_ERROR, after the part that came", async () => {
    await using fixture = await startLlmFixture([
      (reply) => {
        reply.token("Handoffs are ");
        reply.end();
      },
    ]);
    const reply = await ask(fixture.agent.card);
    expect(reply.text).toBe("Handoffs are ");
    expect(reply.state).toBe("TASK_STATE_FAILED");
    expect(reply.statusText).toMatch(
      /^AGENT_PROTOCOL_ERROR: the model's stream from .* ended before the answer was finished$/,
    );
  });

  it("a finished answer without [DONE] is accepted (finish_reason says it is whole)", async () => {
    await using fixture = await startLlmFixture([
      (reply) => {
        reply.token("Whole.");
        reply.finish("stop");
        reply.end();
      },
    ]);
    const reply = await ask(fixture.agent.card);
    expect(reply).toMatchObject({ state: "TASK_STATE_COMPLETED", text: "Whole." });
  });

  it("a chunk that is not JSON -> AGENT_PROTOCOL_ERROR (malformed stream), nothing printed by the SDK", async () => {
    await using fixture = await startLlmFixture([
      (reply) => {
        reply.token("Hand");
        reply.raw("data: {not json at all\n\n");
        reply.done();
      },
    ]);
    const printed = vi.spyOn(console, "error");
    try {
      const reply = await ask(fixture.agent.card);
      expect(reply.text).toBe("Hand");
      expect(reply.state).toBe("TASK_STATE_FAILED");
      expect(reply.statusText).toMatch(/^AGENT_PROTOCOL_ERROR: the model at .* sent a malformed stream/);
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
    }
  });

  it("an error object inside the stream -> AGENT_PROTOCOL_ERROR quoting it without the key", async () => {
    await using fixture = await startLlmFixture([
      (reply) => {
        reply.token("Hand");
        reply.raw(`data: ${JSON.stringify({ error: { message: `overloaded, key ${LLM_TEST_KEY}` } })}\n\n`);
        reply.end();
      },
    ]);
    const reply = await ask(fixture.agent.card);
    expect(reply.state).toBe("TASK_STATE_FAILED");
    expect(reply.statusText).toMatch(
      /^AGENT_PROTOCOL_ERROR: .* reported an error in its stream: overloaded, key \[REDACTED\]$/,
    );
  });

  it("a model slower to answer than timeoutMs -> AGENT_TIMEOUT, and the request is aborted", async () => {
    await using fixture = await startLlmFixture([hang], { timeoutMs: 300 });
    const reply = await ask(fixture.agent.card);
    expect(reply.state).toBe("TASK_STATE_FAILED");
    expect(reply.statusText).toMatch(
      /^AGENT_TIMEOUT: the model at .* did not start answering within 300 ms$/,
    );
    // The stub sees the connection closed (awaited: the close may land after the A2A reply).
    await (
      await fixture.stub.reply(0)
    ).aborted;
  });

  it("a model that goes silent mid-answer for idleTimeoutMs -> AGENT_TIMEOUT after what it said, and the request is aborted", async () => {
    await using fixture = await startLlmFixture(
      [
        async (reply) => {
          reply.token("Handoffs ");
          await reply.aborted;
        },
      ],
      { idleTimeoutMs: 300 },
    );
    const reply = await ask(fixture.agent.card);
    expect(reply.text).toBe("Handoffs ");
    expect(reply.state).toBe("TASK_STATE_FAILED");
    expect(reply.statusText).toMatch(
      /^AGENT_TIMEOUT: the model at .* stopped streaming its answer \(nothing for 300 ms\)$/,
    );
    await (
      await fixture.stub.reply(0)
    ).aborted;
  });

  it("retries are bounded by maxRetries: a 503 then an answer succeeds; two 500s with maxRetries 1 fail", async () => {
    // retry-after-ms keeps the SDK's backoff short.
    const quick = { "retry-after-ms": "1" };
    {
      await using fixture = await startLlmFixture([failWith(503, quick), streamTokens(["Recovered."])], {
        maxRetries: 1,
      });
      const reply = await ask(fixture.agent.card);
      expect(reply).toMatchObject({ state: "TASK_STATE_COMPLETED", text: "Recovered." });
      expect(fixture.stub.requests).toHaveLength(2);
    }
    {
      await using fixture = await startLlmFixture(
        [failWith(500, quick), failWith(500, quick), streamTokens(["never"])],
        {
          maxRetries: 1,
        },
      );
      const reply = await ask(fixture.agent.card);
      expect(reply.state).toBe("TASK_STATE_FAILED");
      expect(reply.statusText).toMatch(/^AGENT_UNAVAILABLE: .* \(HTTP 500\)/);
      expect(fixture.stub.requests).toHaveLength(2);
    }
  });

  it("logs the endpoint, model and outcome at every level but never the key or the conversation", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString("utf8"));
        done();
      },
    });
    await using fixture = await startLlmFixture([failWith(401), streamTokens(["Secret answer text."])], {
      logger: pino({ level: "trace" }, sink),
    });
    expect((await ask(fixture.agent.card)).state).toBe("TASK_STATE_FAILED");
    expect((await ask(fixture.agent.card)).state).toBe("TASK_STATE_COMPLETED");
    const log = lines.join("");
    expect(log).toContain('"msg":"llm agent configured"');
    expect(log).toContain('"apiKey":"set"');
    expect(log).toContain('"code":"CONFIGURATION_ERROR"');
    expect(log).toContain('"msg":"llm answer streamed"');
    expect(log).not.toContain(LLM_TEST_KEY);
    expect(log).not.toContain("Secret answer text");
    expect(log).not.toContain("handoff be in");
  });
});
