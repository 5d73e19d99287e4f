/**
 * Where the client's credentials and limits reach, on real agents: credentials go only to the
 * origin the caller configured, a gRPC target named by host is dialled at the address the policy
 * checked (with the name as its authority), and a gRPC reply over `maxResponseBytes` is refused by
 * the channel before it is decoded.
 */
import type { IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../../src/a2a/client/a2a-client.js";
import type { AgentCard } from "../../../src/a2a/agent-card.js";
import { serveAgent, type ServedAgent } from "../../../src/a2a/server/serve-agent.js";
import { LOOPBACK } from "../../helpers/network.js";
import {
  a2aCardJson,
  closedPort,
  collect,
  readRequestBody,
  rejectionOf,
  startHttpServer,
  type LoopbackServer,
} from "../../helpers/a2a.js";

const TOKEN = "s3cret-token-for-agent";

describe("credentials go only to the origin the caller configured", () => {
  let rpc: LoopbackServer;
  let cards: LoopbackServer;
  const rpcAuth: Array<string | undefined> = [];

  beforeAll(async () => {
    // The agent's JSON-RPC interface, on another port of the same host as its card.
    rpc = await startHttpServer(async (request: IncomingMessage, response) => {
      rpcAuth.push(request.headers.authorization);
      const { id } = JSON.parse(await readRequestBody(request)) as { id: number };
      response.setHeader("content-type", "application/json");
      response.end(
        JSON.stringify({
          jsonrpc: "2.0",
          id,
          result: { message: { messageId: "m", role: "ROLE_AGENT", parts: [{ text: "ok" }] } },
        }),
      );
    });
    cards = await startHttpServer((request, response) => {
      response.setHeader("content-type", "application/json");
      const url = request.url === "/same/.well-known/agent-card.json" ? `${cards.url}/rpc` : `${rpc.url}/rpc`;
      response.end(JSON.stringify(a2aCardJson(url)));
    });
  });
  afterAll(async () => {
    await rpc?.close();
    await cards?.close();
  });

  const card = (path: string): AgentCard => ({
    identity: { id: "agent", name: "agent" },
    service: { endpoint: `${cards.url}${path}`, auth: { type: "bearer", token: TOKEN } },
  });

  it("an interface on another port of the same host gets no credentials", async () => {
    await using client = new A2AClient({ network: LOOPBACK });
    const { chosen } = await client.describeAgent(card("/other"));
    expect(chosen).toMatchObject({ url: `${rpc.url}/rpc`, sendsCredentials: false });
    rpcAuth.length = 0;
    const result = await client.sendMessage(card("/other"), { text: "hi" });
    expect(result.text).toBe("ok");
    expect(rpcAuth).toEqual([undefined]);
  });

  it("an interface at the configured origin gets them", async () => {
    await using client = new A2AClient({ network: LOOPBACK });
    const { chosen } = await client.describeAgent(card("/same"));
    expect(chosen.sendsCredentials).toBe(true);
  });
});

describe("gRPC", () => {
  let agent: ServedAgent;
  let byName: AgentCard;

  beforeAll(async () => {
    const port = await closedPort();
    agent = await serveAgent({
      card: { identity: { id: "grpc-agent", name: "gRPC agent" } },
      // The card names the target by host name; the client resolves and checks it, then dials the address.
      grpc: { port, host: "127.0.0.1", publicTarget: `localhost:${port}` },
      async *handleMessage(ctx) {
        if (ctx.text === "big") yield "x".repeat(200_000);
        else yield `heard ${ctx.text}`;
      },
    });
    byName = {
      ...agent.card,
      service: { ...agent.card.service!, interfacePreference: ["GRPC/1.0"] },
    };
  });
  afterAll(async () => {
    await agent?.close();
  });

  it("a target named by host is dialled at the checked address and served", async () => {
    await using client = new A2AClient({ network: LOOPBACK });
    const { chosen } = await client.describeAgent(byName);
    expect(chosen).toMatchObject({ binding: "GRPC", url: expect.stringMatching(/^localhost:\d+$/) });
    expect((await client.sendMessage(byName, { text: "hello" })).text).toBe("heard hello");
  });

  it("a name the policy does not allow is refused before any dial", async () => {
    await using client = new A2AClient({ network: { allow: [] } });
    const error = await rejectionOf(client.sendMessage(byName, { text: "hello" }));
    expect(error.code).toBe("AGENT_UNAVAILABLE");
  });

  it("a reply over maxResponseBytes is refused by the channel -> AGENT_RESPONSE_TOO_LARGE", async () => {
    await using client = new A2AClient({ network: LOOPBACK, maxResponseBytes: 50_000 });
    const unary = await rejectionOf(client.sendMessage(byName, { text: "big" }));
    expect([unary.code, unary.context?.maxResponseBytes]).toEqual(["AGENT_RESPONSE_TOO_LARGE", 50_000]);
    const streamed = await rejectionOf(collect(client.sendStreamingMessage(byName, { text: "big" })));
    expect(streamed.code).toBe("AGENT_RESPONSE_TOO_LARGE");
    // Small replies still pass on the same client.
    expect((await client.sendMessage(byName, { text: "small" })).text).toBe("heard small");
  });
});
