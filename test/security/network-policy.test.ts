/**
 * The outbound network policy: an SSRF table over addresses and their encodings, the allow-list,
 * and enforcement on real connections (a name that resolves to loopback, a refused literal, a
 * closed port and an open non-HTTP port all fail with one and the same error).
 */
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import type { AgentCard } from "../../src/a2a/agent-card.js";
import { ConfigurationError, ErrorCode, type OrchestrationError } from "../../src/errors.js";
import {
  NetworkPolicy,
  NetworkPolicyError,
  allowEntryFor,
  type HostResolver,
} from "../../src/security/network-policy.js";
import { a2aCardJson, closedPort as unusedPort, startHttpServer } from "../helpers/a2a.js";
import { startAgent, type RecordingAgent } from "../helpers/agents.js";

const strict = new NetworkPolicy();

function refusedReason(url: string, policy = strict): string | undefined {
  try {
    policy.checkUrl(url);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(NetworkPolicyError);
    return (error as NetworkPolicyError).reason;
  }
}

describe("NetworkPolicy: what the default refuses", () => {
  it.each([
    ["loopback, dotted", "http://127.0.0.1:5432/", "loopback"],
    ["loopback, anywhere in 127/8", "http://127.8.9.10/", "loopback"],
    ["loopback, decimal", "http://2130706433/", "loopback"],
    ["loopback, hex", "http://0x7f000001/", "loopback"],
    ["loopback, octal parts", "http://0177.0.0.1/", "loopback"],
    ["loopback, short form", "http://127.1/", "loopback"],
    ["loopback IPv6", "http://[::1]/", "loopback"],
    ["IPv4-mapped IPv6, dotted", "http://[::ffff:127.0.0.1]/", "loopback"],
    ["IPv4-mapped IPv6, hex", "http://[::ffff:7f00:1]/", "loopback"],
    ["IPv4-compatible IPv6", "http://[::127.0.0.1]/", "loopback"],
    ["NAT64 of loopback", "http://[64:ff9b::7f00:1]/", "loopback"],
    ["6to4 of loopback", "http://[2002:7f00:1::1]/", "loopback"],
    ["localhost", "http://localhost:8080/", "loopback"],
    ["a localhost subdomain", "http://api.localhost/", "loopback"],
    ["private 10/8", "http://10.0.0.5/", "private"],
    ["private 172.16/12", "http://172.31.255.1/", "private"],
    ["private 192.168/16", "http://192.168.1.1/", "private"],
    ["private, IPv4-mapped", "http://[::ffff:10.1.2.3]/", "private"],
    ["link-local", "http://169.254.10.10/", "link-local"],
    ["AWS/GCP metadata", "http://169.254.169.254/latest/meta-data/", "metadata"],
    ["metadata, decimal", "http://2852039166/", "metadata"],
    ["metadata, IPv4-mapped", "http://[::ffff:169.254.169.254]/", "metadata"],
    ["AWS metadata over IPv6", "http://[fd00:ec2::254]/", "metadata"],
    ["Azure wire server (public unicast, still metadata)", "http://168.63.129.16/", "metadata"],
    ["Alibaba metadata", "http://100.100.100.200/", "metadata"],
    ["carrier-grade NAT", "http://100.64.0.1/", "cgnat"],
    ["multicast", "http://224.0.0.1/", "multicast"],
    ["broadcast", "http://255.255.255.255/", "broadcast"],
    ["unspecified", "http://0.0.0.0:8080/", "unspecified"],
    ["unspecified, short", "http://0/", "unspecified"],
    ["unspecified IPv6", "http://[::]/", "unspecified"],
    ["IPv6 unique-local", "http://[fd12:3456::1]/", "unique-local"],
    ["IPv6 link-local", "http://[fe80::1]/", "link-local"],
    ["IPv6 multicast", "http://[ff02::1]/", "multicast"],
    ["reserved (TEST-NET)", "http://192.0.2.10/", "reserved"],
    ["Teredo (hides an IPv4 address)", "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "teredo"],
  ])("%s: %s -> %s", (_name, url, reason) => {
    expect(refusedReason(url)).toBe(reason);
  });

  it.each([
    ["public IPv4", "https://8.8.8.8/"],
    ["public IPv6", "http://[2606:4700:4700::1111]/"],
    ["public, IPv4-mapped", "http://[::ffff:1.1.1.1]/"],
    ["a host name (checked on its address when connecting)", "https://agents.example.com:8443/a2a"],
  ])("allows %s: %s", (_name, url) => {
    expect(refusedReason(url)).toBeUndefined();
  });

  it("refuses credentials in the URL, other schemes and garbage", () => {
    expect(refusedReason("http://admin:hunter2@agents.example.com/")).toBe("credentials");
    expect(refusedReason("http://token@agents.example.com/")).toBe("credentials");
    expect(refusedReason("ftp://agents.example.com/")).toBe("scheme");
    expect(refusedReason("file:///etc/passwd")).toBe("scheme");
    expect(refusedReason("not a url")).toBe("invalid-url");
  });

  it("says nothing about ports: the refusal is decided before connecting", () => {
    for (const port of [22, 5432, 6379, 8080]) {
      const error = (() => {
        try {
          strict.checkUrl(`http://127.0.0.1:${port}/`);
        } catch (caught) {
          return caught as Error;
        }
        throw new Error("expected a refusal");
      })();
      expect(error.message).not.toContain(String(port));
      expect(error.message).toBe(
        "the outbound network policy refuses loopback addresses; an operator can allow them explicitly",
      );
    }
  });
});

describe("NetworkPolicy: the allow-list", () => {
  it("range names, CIDR blocks, exact address:port and host names", () => {
    const policy = new NetworkPolicy({
      allow: ["loopback", "10.20.0.0/16", "192.168.1.7:8001", "*.agents.internal", "kb.corp:443"],
    });
    expect(refusedReason("http://127.0.0.1:9/", policy)).toBeUndefined();
    expect(refusedReason("http://[::1]:9/", policy)).toBeUndefined();
    expect(refusedReason("http://10.20.3.4/", policy)).toBeUndefined();
    expect(refusedReason("http://10.21.0.1/", policy)).toBe("private");
    expect(refusedReason("http://192.168.1.7:8001/", policy)).toBeUndefined();
    expect(refusedReason("http://192.168.1.7:8002/", policy)).toBe("private");
    expect(refusedReason("http://knowledge.agents.internal/", policy)).toBeUndefined();
    expect(refusedReason("https://kb.corp/", policy)).toBeUndefined();
  });

  it("a CIDR block that contains a metadata address does not unlock it; the exact address does", () => {
    expect(refusedReason("http://169.254.169.254/", new NetworkPolicy({ allow: ["link-local"] }))).toBe(
      "metadata",
    );
    expect(
      refusedReason("http://169.254.169.254/", new NetworkPolicy({ allow: ["169.254.169.254"] })),
    ).toBeUndefined();
  });

  it("`any` lifts every restriction but credentials in URLs", () => {
    const open = NetworkPolicy.unrestricted();
    expect(refusedReason("http://127.0.0.1/", open)).toBeUndefined();
    expect(refusedReason("http://169.254.169.254/", open)).toBeUndefined();
    expect(refusedReason("http://a:b@127.0.0.1/", open)).toBe("credentials");
  });

  it("a bad entry is a ConfigurationError naming it", () => {
    for (const entry of ["10.0.0.0/33", "not a host!", "127.0.0.1:99999", ""]) {
      expect(() => new NetworkPolicy({ allow: [entry] })).toThrow(ConfigurationError);
    }
    expect(() => new NetworkPolicy({ allow: ["10.0.0.0/33"] })).toThrow(/network\.allow\[0\]/);
  });

  it("allowEntryFor names exactly one URL's host:port", () => {
    expect(allowEntryFor("http://127.0.0.1:41234/a2a")).toBe("127.0.0.1:41234");
    expect(allowEntryFor("https://agents.example.com/")).toBe("agents.example.com:443");
    expect(allowEntryFor("http://[::1]:8001")).toBe("[::1]:8001");
  });
});

describe("NetworkPolicy: host names are checked on the addresses they resolve to", () => {
  const resolver =
    (table: Record<string, string[]>): HostResolver =>
    async (hostname) => {
      const addresses = table[hostname];
      if (!addresses)
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
      return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    };
  const policy = new NetworkPolicy({
    resolve: resolver({
      "rebind.example": ["127.0.0.1"],
      "meta.example": ["169.254.169.254"],
      "mixed.example": ["10.0.0.1", "93.184.216.34"],
      "v6loop.example": ["::1"],
      "mapped.example": ["::ffff:127.0.0.1"],
      "public.example": ["93.184.216.34"],
    }),
  });

  it.each([
    ["rebind.example", "loopback"],
    ["meta.example", "metadata"],
    ["v6loop.example", "loopback"],
    ["mapped.example", "loopback"],
  ])("%s is refused (%s)", async (host, reason) => {
    await expect(policy.resolveTarget(host, 80)).rejects.toMatchObject({ reason });
  });

  it("connects only to an allowed address of a name that has several", async () => {
    await expect(policy.resolveTarget("mixed.example", 80)).resolves.toEqual({
      host: "93.184.216.34",
      byName: false,
    });
    await expect(policy.resolveTarget("public.example", 443)).resolves.toEqual({
      host: "93.184.216.34",
      byName: false,
    });
  });

  it("an allowed host name is connected to by name, unchecked", async () => {
    const trusting = new NetworkPolicy({ allow: ["rebind.example"], resolve: resolver({}) });
    await expect(trusting.resolveTarget("rebind.example", 80)).resolves.toEqual({
      host: "rebind.example",
      byName: true,
    });
  });
});

describe("NetworkPolicy on real connections through A2AClient", () => {
  let agent: RecordingAgent;
  let closedPort: number;
  let silent: Server;
  let silentPort: number;

  beforeAll(async () => {
    agent = await startAgent({ id: "loopback-agent" });
    closedPort = await unusedPort();
    // An open port that is not HTTP: it accepts and hangs up (what PostgreSQL does to an HTTP request).
    silent = createServer((socket) => socket.destroy());
    silentPort = await new Promise<number>((resolve) =>
      silent.listen(0, "127.0.0.1", () => resolve((silent.address() as { port: number }).port)),
    );
  });
  afterAll(async () => {
    await agent?.close();
    await new Promise<void>((resolve) => silent?.close(() => resolve()));
  });

  const cardAt = (endpoint: string): AgentCard => ({
    identity: { id: "target", name: "target" },
    service: { endpoint },
  });
  const failure = async (client: A2AClient, endpoint: string): Promise<OrchestrationError> => {
    try {
      await client.sendMessage(cardAt(endpoint), { text: "hello" }, { timeoutMs: 5_000 });
    } catch (error) {
      return error as OrchestrationError;
    }
    throw new Error(`expected ${endpoint} to fail`);
  };

  it("the default client refuses an agent on loopback without sending anything", async () => {
    await using client = new A2AClient();
    const error = await failure(client, agent.url);
    expect(error.code).toBe(ErrorCode.AGENT_UNAVAILABLE);
    expect(agent.received).toHaveLength(0);
  });

  it("a refused address, a closed port and an open non-HTTP port fail identically", async () => {
    await using strictClient = new A2AClient();
    await using allowing = new A2AClient({ network: { allow: ["loopback"] } });
    const refused = await failure(strictClient, `http://127.0.0.1:${silentPort}`);
    const closed = await failure(allowing, `http://127.0.0.1:${closedPort}`);
    const notHttp = await failure(allowing, `http://127.0.0.1:${silentPort}`);
    for (const error of [refused, closed, notHttp]) {
      expect(error.code).toBe(ErrorCode.AGENT_UNAVAILABLE);
      expect(error.message).toBe(
        "Agent target is unreachable (the connection failed, or the outbound network policy refused the address)",
      );
    }
  });

  it("a name that resolves to loopback is refused at connect time (DNS rebinding)", async () => {
    const port = new URL(agent.url).port;
    await using client = new A2AClient({
      network: { resolve: async () => [{ address: "127.0.0.1", family: 4 }] },
    });
    const error = await failure(client, `http://innocent.example:${port}`);
    expect(error.code).toBe(ErrorCode.AGENT_UNAVAILABLE);
    expect(agent.received).toHaveLength(0);
  });

  it("allowing the agent's exact host:port reaches it, and nothing else on loopback", async () => {
    await using client = new A2AClient({ network: { allow: [allowEntryFor(agent.url)] } });
    const result = await client.sendMessage(cardAt(agent.url), { text: "hello" });
    expect(result.text).toBe("loopback-agent: hello");
    expect((await failure(client, `http://127.0.0.1:${silentPort}`)).code).toBe(ErrorCode.AGENT_UNAVAILABLE);
  });

  it("an agent card may not point its interface at a refused address", async () => {
    // An agent on an allowed port whose card sends us to another (refused) port.
    await using server = await startHttpServer((_request, response) => {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify(a2aCardJson(`http://127.0.0.1:${silentPort}/rpc`)));
    });
    await using client = new A2AClient({ network: { allow: [`127.0.0.1:${server.port}`] } });
    const error = await failure(client, server.url);
    expect(error.code).toBe(ErrorCode.AGENT_CARD_INVALID);
    expect(error.message).toContain("refused by the outbound network policy (loopback)");
  });
});
