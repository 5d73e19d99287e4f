/**
 * The A2A card cache is keyed by (tenant, agent, endpoint, credentials) and bounded: one tenant's
 * resolution — made with its credentials — is never reused for another tenant or credential.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../../src/a2a/client/a2a-client.js";
import type { AgentCard } from "../../../src/a2a/agent-card.js";
import { LOOPBACK } from "../../helpers/network.js";
import {
  a2aCardJson,
  readRequestBody,
  rejectionOf,
  startHttpServer,
  type LoopbackServer,
} from "../../helpers/a2a.js";

describe("A2AClient card cache", () => {
  let server: LoopbackServer;
  const cardFetches: Array<string | undefined> = [];

  beforeAll(async () => {
    server = await startHttpServer(async (request, response) => {
      response.setHeader("content-type", "application/json");
      if (request.method === "GET") {
        cardFetches.push(request.headers.authorization);
        const base = a2aCardJson(`${server.url}/rpc`);
        response.end(JSON.stringify(swollen(base, request.url ?? "")));
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

  const card = (id: string, token?: string, path = ""): AgentCard => ({
    identity: { id, name: id },
    service: {
      endpoint: `${server.url}${path}`,
      ...(token ? { auth: { type: "bearer" as const, token } } : {}),
    },
  });

  /** The card a path asks for: as is, swollen, of many tiny values, or nested deep. */
  function swollen(base: Record<string, unknown>, url: string): unknown {
    if (url.startsWith("/hostile/")) return hostileCard(base, url);
    if (url.startsWith("/tiny-values/")) {
      const params = { a: Array.from({ length: 30_000 }, () => ({})) };
      return { ...base, capabilities: { streaming: true, extensions: [{ uri: "urn:x", params }] } };
    }
    if (url.startsWith("/deep/")) {
      let nested: Record<string, unknown> = {};
      for (let i = 0; i < 100; i++) nested = { n: nested };
      return { ...base, capabilities: { streaming: true, extensions: [{ uri: "urn:x", params: nested }] } };
    }
    return base;
  }

  /** A valid card swollen by a hostile agent: `/hostile/{skills}/{padding}/...`. */
  function hostileCard(base: Record<string, unknown>, url: string): Record<string, unknown> {
    const [, , skills, padding] = url.split("/");
    const interfaces = base.supportedInterfaces as unknown[];
    return {
      ...base,
      supportedInterfaces: [...interfaces, ...Array.from({ length: 200 }, () => interfaces[0])],
      capabilities: {
        streaming: true,
        extensions: Array.from({ length: 200 }, (_, i) => ({ uri: `urn:x:${i}` })),
      },
      skills: Array.from({ length: Number(skills) }, (_, i) => ({
        id: `s${i}`,
        name: `skill ${i}`,
        description: "d",
        tags: ["t"],
      })),
      signatures: [{ protected: "x".repeat(Number(padding)), signature: "y" }],
    };
  }

  it("reads a card up to 256 KiB and keeps only what a client can use of it", async () => {
    await using client = new A2AClient({ network: LOOPBACK });
    const swollen = card("swollen", undefined, "/hostile/2000/10");
    const remote = await client.getAgentCard(swollen);
    const { offered } = await client.describeAgent(swollen);
    expect(remote.skills).toHaveLength(100);
    expect(remote.skills[99]?.id).toBe("s99");
    expect(remote.capabilities?.extensions).toHaveLength(32);
    expect(remote.signatures).toEqual([]);
    expect(offered.length).toBeLessThanOrEqual(32);
    // The same hostile card past 256 KiB is not read at all.
    const error = await rejectionOf(client.describeAgent(card("huge", undefined, "/hostile/10/300000")));
    expect(error.code).toBe("AGENT_RESPONSE_TOO_LARGE");
  });

  it("charges a card for what it decodes to, and refuses one nested too deep", async () => {
    cardFetches.length = 0;
    // 30,000 empty objects: 90 KB of text, megabytes once decoded. 3 MB holds none with another.
    await using client = new A2AClient({ network: LOOPBACK, cardCacheBytes: 3_000_000 });
    const send = (tenantId: string) =>
      client.sendMessage(card("agent", undefined, "/tiny-values"), { text: "hi" }, { tenantId });
    await send("a");
    await send("b"); // evicts a
    await send("a");
    expect(cardFetches).toHaveLength(3);
    const error = await rejectionOf(client.describeAgent(card("deep", undefined, "/deep")));
    expect([error.code, error.message]).toEqual(["AGENT_CARD_INVALID", expect.stringContaining("64 levels")]);
  });

  it("is bounded by bytes too: large cards evict the least recently used", async () => {
    cardFetches.length = 0;
    // Each card is charged about 130 KB (80 KB of text and its values); 300 KB holds two of them.
    await using client = new A2AClient({ network: LOOPBACK, cardCacheBytes: 300_000 });
    const send = (tenantId: string) =>
      client.sendMessage(card("agent", undefined, "/hostile/10/60000"), { text: "hi" }, { tenantId });
    await send("a");
    await send("b");
    await send("a");
    expect(cardFetches).toHaveLength(2);
    await send("c"); // evicts b
    await send("a");
    expect(cardFetches).toHaveLength(3);
    await send("b");
    expect(cardFetches).toHaveLength(4);
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
