/**
 * The LLM agent when its model fails: every failure ends the A2A task FAILED with a status message
 * that starts with an OmniForge error code, names what went wrong, and carries neither the API key,
 * nor the endpoint, nor the server's own words (those go to the operator's log, scrubbed). Real
 * loopback servers throughout (a scripted chat-completions stub, a port nothing listens on).
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

/** What a careless server quotes: a prefix of the key in another case, and the whole key. */
const ECHOED = `${LLM_TEST_KEY.slice(0, 14).toUpperCase()} / ${LLM_TEST_KEY}`;

/** A script answering `status` with a body that echoes the key, as a careless server might. */
const failWith =
  (status: number, headers: Record<string, string> = {}): ChatScript =>
  (reply) =>
    reply.error(status, `request with key ${ECHOED} failed (status ${status}) server-words`, headers);

/** What no status text may carry: the key, any piece of it, the endpoint, the server's words. */
function expectNothingLeaked(statusText: string, baseUrl: string): void {
  expect(statusText).not.toContain(new URL(baseUrl).host);
  expect(statusText.toLowerCase()).not.toContain(LLM_TEST_KEY.slice(0, 10).toLowerCase());
  expect(statusText).not.toContain("server-words");
}

describe("LLM agent failures", () => {
  const client = new A2AClient({ network: LOOPBACK });
  afterAll(() => client.close());

  const ask = (card: Parameters<typeof streamTurn>[1]) =>
    streamTurn(client, card, { text: QUESTION, threadId: randomUUID() });

  it.each([
    [401, "the model server refused the API key (HTTP 401); check OMNIFORGE_LLM_API_KEY"],
    [403, "the model server refused the API key (HTTP 403); check OMNIFORGE_LLM_API_KEY"],
    [
      404,
      'the model server has no model "stub-llama" or no chat completions API (HTTP 404); check OMNIFORGE_LLM_MODEL and OMNIFORGE_LLM_BASE_URL',
    ],
    [429, "the model server is rate limiting requests (HTTP 429); try again later"],
    [500, "the model server failed (HTTP 500)"],
    [503, "the model server failed (HTTP 503)"],
    [400, "the model server refused the request (HTTP 400)"],
  ])(
    "HTTP %i -> task FAILED with the code, the status and what it means; no key, endpoint or server words",
    async (status, text) => {
      const code =
        status === 400 ? "AGENT_PROTOCOL_ERROR" : status < 420 ? "CONFIGURATION_ERROR" : "AGENT_UNAVAILABLE";
      await using fixture = await startLlmFixture([failWith(status)]);
      const reply = await ask(fixture.agent.card);
      expect(reply.state).toBe("TASK_STATE_FAILED");
      expect(reply.statusText).toBe(`${code}: ${text}`);
      expectNothingLeaked(reply.statusText, fixture.stub.baseUrl);
      expect(reply.text).toBe("");
      // maxRetries 0: one request, however retryable the status.
      expect(fixture.stub.requests).toHaveLength(1);
    },
  );

  it("connection refused -> AGENT_UNAVAILABLE naming ECONNREFUSED, not the address", async () => {
    const port = await closedPort();
    await using agent = await startLlmAgent({
      baseUrl: `http://127.0.0.1:${port}/v1`,
      model: "m",
      apiKey: LLM_TEST_KEY,
      maxRetries: 0,
    });
    const reply = await ask(agent.card);
    expect(reply.state).toBe("TASK_STATE_FAILED");
    expect(reply.statusText).toBe("AGENT_UNAVAILABLE: could not reach the model server (ECONNREFUSED)");
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
      /^AGENT_PROTOCOL_ERROR: the model's stream ended before the answer was finished$/,
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
      expect(reply.statusText).toBe(
        "AGENT_PROTOCOL_ERROR: the model server sent a malformed stream (a chunk that is not JSON)",
      );
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
    }
  });

  it("an error object inside the stream -> AGENT_PROTOCOL_ERROR, without quoting it", async () => {
    await using fixture = await startLlmFixture([
      (reply) => {
        reply.token("Hand");
        reply.raw(`data: ${JSON.stringify({ error: { message: `overloaded, key ${LLM_TEST_KEY}` } })}\n\n`);
        reply.end();
      },
    ]);
    const reply = await ask(fixture.agent.card);
    expect(reply.state).toBe("TASK_STATE_FAILED");
    expect(reply.statusText).toBe("AGENT_PROTOCOL_ERROR: the model server reported an error in its stream");
  });

  it("a model slower to answer than timeoutMs -> AGENT_TIMEOUT, and the request is aborted", async () => {
    await using fixture = await startLlmFixture([hang], { timeoutMs: 300 });
    const reply = await ask(fixture.agent.card);
    expect(reply.state).toBe("TASK_STATE_FAILED");
    expect(reply.statusText).toMatch(
      /^AGENT_TIMEOUT: the model server did not start answering within 300 ms$/,
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
      /^AGENT_TIMEOUT: the model server sent no more of its answer for 300 ms$/,
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
      expect(reply.statusText).toBe("AGENT_UNAVAILABLE: the model server failed (HTTP 500)");
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
