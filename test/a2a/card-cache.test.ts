/**
 * The A2A card cache is keyed by (tenant, agent, endpoint, credentials) and bounded: one tenant's
 * resolution — made with its credentials — is never reused for another tenant or credential.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/a2a-client.js";
import type { AgentCard } from "../../src/agents/agent-card.js";
import { LOOPBACK } from "../helpers/network.js";

describe("A2AClient card cache", () => {
  let server: Server;
  let url: string;
  const cardFetches: Array<string | undefined> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      response.setHeader("content-type", "application/json");
      if (request.method === "GET") {
        cardFetches.push(request.headers.authorization);
        response.end(
          JSON.stringify({
            name: "Counter",
            description: "counts card fetches",
            version: "1.0.0",
            supportedInterfaces: [{ url: `${url}/rpc`, protocolBinding: "JSONRPC", protocolVersion: "1.0" }],
            capabilities: {},
            defaultInputModes: ["text/plain"],
            defaultOutputModes: ["text/plain"],
            skills: [],
          }),
        );
        return;
      }
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        const { id } = JSON.parse(body) as { id: number };
        response.end(
          JSON.stringify({
            jsonrpc: "2.0",
            id,
            result: { message: { messageId: "m1", role: "ROLE_AGENT", parts: [{ text: "ok" }] } },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const card = (id: string, token?: string): AgentCard => ({
    identity: { id, name: id },
    service: { endpoint: url, ...(token ? { auth: { type: "bearer" as const, token } } : {}) },
  });

  it("is kept per tenant and per credential", async () => {
    cardFetches.length = 0;
    await using client = new A2AClient({ network: LOOPBACK });
    const send = (agent: AgentCard, tenantId: string) => client.sendMessage(agent, { text: "hi" }, { tenantId });
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
