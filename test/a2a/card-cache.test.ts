/**
 * The A2A card cache is keyed by (tenant, agent, endpoint, credentials) and bounded: one tenant's
 * resolution — made with its credentials — is never reused for another tenant or credential.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import type { AgentCard } from "../../src/a2a/agent-card.js";
import { LOOPBACK } from "../helpers/network.js";
import { a2aCardJson, readRequestBody, startHttpServer, type LoopbackServer } from "./helpers.js";

describe("A2AClient card cache", () => {
  let server: LoopbackServer;
  const cardFetches: Array<string | undefined> = [];

  beforeAll(async () => {
    server = await startHttpServer(async (request, response) => {
      response.setHeader("content-type", "application/json");
      if (request.method === "GET") {
        cardFetches.push(request.headers.authorization);
        response.end(JSON.stringify(a2aCardJson(`${server.url}/rpc`)));
        return;
      }
      const { id } = JSON.parse(await readRequestBody(request)) as { id: number };
      response.end(
        JSON.stringify({
          jsonrpc: "2.0",
          id,
          result: { message: { messageId: "m1", role: "ROLE_AGENT", parts: [{ text: "ok" }] } },
        }),
      );
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const card = (id: string, token?: string): AgentCard => ({
    identity: { id, name: id },
    service: { endpoint: server.url, ...(token ? { auth: { type: "bearer" as const, token } } : {}) },
  });

  it("is kept per tenant and per credential", async () => {
    cardFetches.length = 0;
    await using client = new A2AClient({ network: LOOPBACK });
    const send = (agent: AgentCard, tenantId: string) =>
      client.sendMessage(agent, { text: "hi" }, { tenantId });
    await send(card("shared", "acme-token"), "acme");
    await send(card("shared", "acme-token"), "acme");
    expect(cardFetches).toEqual(["Bearer acme-token"]);
    // Same agent id and endpoint, another tenant: resolved afresh, with that tenant's credentials.
    await send(card("shared", "globex-token"), "globex");
    // Same tenant, rotated credentials: resolved afresh too.
    await send(card("shared", "acme-token-2"), "acme");
    expect(cardFetches).toEqual(["Bearer acme-token", "Bearer globex-token", "Bearer acme-token-2"]);
  });

  it("is bounded: the least recently used entry is evicted", async () => {
    cardFetches.length = 0;
    await using client = new A2AClient({ network: LOOPBACK, cardCacheSize: 2 });
    const send = (tenantId: string) => client.sendMessage(card("agent"), { text: "hi" }, { tenantId });
    await send("a");
    await send("b");
    await send("a"); // a is now the most recent
    await send("c"); // evicts b
    await send("a");
    expect(cardFetches).toHaveLength(3);
    await send("b");
    expect(cardFetches).toHaveLength(4);
  });
});
