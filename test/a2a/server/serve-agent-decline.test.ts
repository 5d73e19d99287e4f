import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../../src/a2a/client/a2a-client.js";
import { serveAgent, type ServedAgent } from "../../../src/a2a/server/serve-agent.js";
import { LOOPBACK } from "../../helpers/network.js";
import { streamTurn } from "../../helpers/examples.js";

describe("serveAgent: ctx.decline ends a turn REJECTED (the agent has no answer)", () => {
  const client = new A2AClient({ network: LOOPBACK });
  const served: ServedAgent[] = [];
  afterAll(async () => {
    await Promise.all(served.map((agent) => agent.close()));
    await client.close();
  });

  async function start(handleMessage: Parameters<typeof serveAgent>[0]["handleMessage"]) {
    const agent = await serveAgent({
      card: { identity: { id: `decliner-${served.length}`, name: "decliner" } },
      port: 0,
      host: "127.0.0.1",
      handleMessage,
    });
    served.push(agent);
    return agent;
  }

  it("the task ends TASK_STATE_REJECTED with the reason as its status message", async () => {
    const agent = await start(async function* (ctx) {
      if (ctx.text === "known") {
        yield "an answer";
        return;
      }
      ctx.decline(`I found nothing about "${ctx.text}".`);
    });
    const declined = await streamTurn(client, agent.card, { text: "weather", threadId: randomUUID() });
    expect(declined).toMatchObject({
      state: "TASK_STATE_REJECTED",
      statusText: 'I found nothing about "weather".',
      text: "",
    });
    const answered = await streamTurn(client, agent.card, { text: "known", threadId: randomUUID() });
    expect(answered).toMatchObject({ state: "TASK_STATE_COMPLETED", text: "an answer" });
  });

  it("decline overrides askUser; an empty reason is a handler error (task FAILED)", async () => {
    const agent = await start(async function* (ctx) {
      if (ctx.text === "empty") ctx.decline("  ");
      ctx.askUser("Which one?");
      ctx.decline("Out of scope.");
      yield* [];
    });
    const both = await streamTurn(client, agent.card, { text: "both", threadId: randomUUID() });
    expect(both).toMatchObject({ state: "TASK_STATE_REJECTED", statusText: "Out of scope." });
    const empty = await streamTurn(client, agent.card, { text: "empty", threadId: randomUUID() });
    expect(empty.state).toBe("TASK_STATE_FAILED");
    expect(empty.statusText).toContain("ctx.decline(reason) needs a non-empty reason");
  });
});
