/**
 * What a model server cannot make the LLM agent do: wait for as long as its `retry-after` says,
 * follow a redirect to another address with the conversation, stream an answer without end, read a
 * line without end, or pass off a page that is not an event stream as a broken answer. And what the
 * operator's log gets instead of the users: the endpoint, and the server's words scrubbed of the key.
 * Real loopback servers throughout.
 */
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../../src/a2a/client/a2a-client.js";
import { expectNoUnhandledRejections } from "../../helpers/a2a.js";
import { streamTurn } from "../../helpers/examples.js";
import { LLM_TEST_KEY, startLlmFixture } from "../../helpers/llm-agent.js";
import { LOOPBACK } from "../../helpers/network.js";
import {
  startOpenAICompatibleServer,
  streamTokens,
  type ChatReply,
} from "../../helpers/openai-compatible-server.js";

expectNoUnhandledRejections();

const QUESTION = "What states can a handoff be in?";

/** Streams `piece` until the client closes the connection, minding backpressure. */
async function streamForever(reply: ChatReply, piece: string): Promise<void> {
  while (!reply.wasAborted) {
    reply.token(piece);
    await nextTurn();
  }
}

describe("LLM agent guards", () => {
  const client = new A2AClient({ network: LOOPBACK });
  afterAll(() => client.close());

  const ask = (card: Parameters<typeof streamTurn>[1]) =>
    streamTurn(client, card, { text: QUESTION, threadId: randomUUID() });

  it("a 429 asking to retry after 200 s is retried after the capped wait (timeoutMs here), and the answer comes", async () => {
    // Without the cap, the SDK would sleep 200 s and the second request would never arrive in this test.
    await using fixture = await startLlmFixture(
      [(reply) => reply.error(429, "slow down", { "retry-after": "200" }), streamTokens(["Recovered."])],
      { maxRetries: 1, timeoutMs: 1_000 },
    );
    const reply = await ask(fixture.agent.card);
    expect(reply).toMatchObject({ state: "TASK_STATE_COMPLETED", text: "Recovered." });
    expect(fixture.stub.requests).toHaveLength(2);
  });

  it("a retry-after-ms of an hour is capped too", async () => {
    await using fixture = await startLlmFixture(
      [(reply) => reply.error(503, "busy", { "retry-after-ms": "3600000" }), streamTokens(["Back."])],
      { maxRetries: 1, timeoutMs: 500 },
    );
    expect(await ask(fixture.agent.card)).toMatchObject({ state: "TASK_STATE_COMPLETED", text: "Back." });
  });

  it("a redirect is refused, not followed: the other address never sees the conversation", async () => {
    await using elsewhere = await startOpenAICompatibleServer();
    await using fixture = await startLlmFixture(
      [(reply) => reply.error(307, "moved", { location: `${elsewhere.baseUrl}/chat/completions` })],
      { maxRetries: 2 },
    );
    const reply = await ask(fixture.agent.card);
    expect(reply.state).toBe("TASK_STATE_FAILED");
    expect(reply.statusText).toBe(
      "CONFIGURATION_ERROR: the model server answered with a redirect (HTTP 307), which the agent does not follow; set OMNIFORGE_LLM_BASE_URL to the final address",
    );
    expect(elsewhere.requests).toHaveLength(0);
    // A redirect is not retried.
    expect(fixture.stub.requests).toHaveLength(1);
  });

  it("a model that ignores max_tokens and streams without end is cut at maxAnswerBytes: the request is aborted and the answer says so", async () => {
    await using fixture = await startLlmFixture([(reply) => streamForever(reply, "x".repeat(1_000))], {
      maxAnswerBytes: 5_500,
    });
    const reply = await ask(fixture.agent.card);
    expect(reply.state).toBe("TASK_STATE_COMPLETED");
    expect(reply.text).toBe(`${"x".repeat(5_500)}\n\n(The answer was cut at the 5500-byte limit.)`);
    await (
      await fixture.stub.reply(0)
    ).aborted;
  });

  it("the answer bound never splits a character", async () => {
    await using fixture = await startLlmFixture([(reply) => streamForever(reply, "é")], {
      maxAnswerBytes: 5,
    });
    const reply = await ask(fixture.agent.card);
    expect(reply.text).toBe("éé\n\n(The answer was cut at the 5-byte limit.)");
  });

  it("a 200 that is not an event stream (JSON, HTML) -> AGENT_PROTOCOL_ERROR saying so", async () => {
    await using fixture = await startLlmFixture([(reply) => reply.error(200, "a JSON page")]);
    const reply = await ask(fixture.agent.card);
    expect(reply.state).toBe("TASK_STATE_FAILED");
    expect(reply.statusText).toBe(
      "AGENT_PROTOCOL_ERROR: the model server's answer is not an event stream (is the base URL an OpenAI-compatible API?)",
    );
  });

  it("a line of the stream over 1 MiB -> AGENT_PROTOCOL_ERROR naming the bound, and the request is aborted", async () => {
    await using fixture = await startLlmFixture([
      async (reply) => {
        reply.token("Hand");
        reply.raw(`data: ${"y".repeat(2 * 1024 * 1024)}`);
        await reply.aborted;
      },
    ]);
    const reply = await ask(fixture.agent.card);
    expect(reply.text).toBe("Hand");
    expect(reply.state).toBe("TASK_STATE_FAILED");
    expect(reply.statusText).toBe(
      "AGENT_PROTOCOL_ERROR: the model's stream has a line longer than 1048576 bytes",
    );
    await (
      await fixture.stub.reply(0)
    ).aborted;
  });

  it("the operator's log names the endpoint and, at debug, what the server said, scrubbed of every piece of the key", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString("utf8"));
        done();
      },
    });
    const prefix = LLM_TEST_KEY.slice(0, 16).toUpperCase();
    await using fixture = await startLlmFixture(
      [(reply) => reply.error(400, `context too long for key ${prefix}...`)],
      { logger: pino({ level: "debug" }, sink) },
    );
    const reply = await ask(fixture.agent.card);
    expect(reply.statusText).toBe("AGENT_PROTOCOL_ERROR: the model server refused the request (HTTP 400)");
    const log = lines.join("");
    const origin = new URL(fixture.stub.baseUrl).origin;
    const failed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(failed.find((line) => line.msg === "llm request failed")).toMatchObject({
      endpoint: origin,
      httpStatus: 400,
    });
    expect(failed.find((line) => line.msg === "llm server said")).toMatchObject({
      endpoint: origin,
      detail: "context too long for key [REDACTED]...",
    });
    expect(log.toLowerCase()).not.toContain(LLM_TEST_KEY.slice(0, 10).toLowerCase());
  });
});
