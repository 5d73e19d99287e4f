import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../../src/a2a/client/a2a-client.js";
import type { ServedAgent } from "../../../src/a2a/server/serve-agent.js";
import {
  EXAMPLE_AGENTS,
  startKnowledgeAgent,
  startResearchAgent,
} from "../../../src/agents/examples/index.js";
import { ErrorCode, OrchestrationError } from "../../../src/errors.js";
import { TENANT, TempDirs, USER, streamTurn } from "../../helpers/examples.js";
import { LOOPBACK } from "../../helpers/network.js";

const SOURCE_LINE = /^ {3}Source: (\S+\.md) § .+$/m;

function sourcesOf(text: string): string[] {
  return [...text.matchAll(/^ {3}Source: (\S+\.md) § (.+)$/gm)].map((match) => `${match[1]} § ${match[2]}`);
}

describe("knowledge and research agents", () => {
  const client = new A2AClient({ network: LOOPBACK });
  const dirs = new TempDirs();
  let knowledge: ServedAgent;
  let research: ServedAgent;

  beforeAll(async () => {
    [knowledge, research] = await Promise.all([startKnowledgeAgent(), startResearchAgent({ port: 0 })]);
  });
  afterAll(async () => {
    await Promise.all([knowledge?.close(), research?.close()]);
    await client.close();
    await dirs.cleanup();
  });

  const ask = (agent: ServedAgent, text: string) =>
    streamTurn(client, agent.card, { text, threadId: randomUUID() });

  it("publish the expected identities on their A2A cards", async () => {
    expect(knowledge.card.identity).toMatchObject({ id: "knowledge-agent", name: "Knowledge Base Agent" });
    expect(research.card.identity).toMatchObject({ id: "research-agent", name: "Research Agent" });
    const remote = await client.getAgentCard(knowledge.card);
    expect(remote.name).toBe("Knowledge Base Agent");
    expect(remote.capabilities?.streaming).toBe(true);
    expect(Object.keys(EXAMPLE_AGENTS)).toEqual(["knowledge", "research", "skill-creation"]);
  });

  it.each([
    ["What delegation strategies are there?", "orchestration-strategies.md"],
    ["Which roles can cancel a handoff?", "tenants-and-rbac.md"],
    ["What states can a handoff be in?", "handoffs.md"],
    ["How do I run several orchestrator replicas on PostgreSQL?", "storage.md"],
    ["How are emails and passwords redacted before reaching sub-agents?", "pii-sanitizing.md"],
    ["What does the stream router do with exit words?", "stream-router.md"],
    ["What does HANDOFF_ALREADY_ACTIVE mean?", "troubleshooting.md"],
    ["How do I build an agent that accepts handoffs?", "building-agents.md"],
  ])("knowledge: %s -> cites %s first", async (question, file) => {
    const reply = await ask(knowledge, question);
    expect(reply.state).toBe("TASK_STATE_COMPLETED");
    const sources = sourcesOf(reply.text);
    expect(sources.length).toBeGreaterThanOrEqual(1);
    expect(sources[0]?.startsWith(`${file} § `)).toBe(true);
    // The closing line lists every cited source.
    expect(reply.text.split("\n").at(-1)).toBe(`Sources: ${[...new Set(sources)].join("; ")}`);
  });

  it("answers with an introduction, one trimmed quote per passage with its source, and the sources", async () => {
    const reply = await ask(
      knowledge,
      "What is the FIRST_SUCCESS strategy and what happens to the other agents?",
    );
    // serveAgent may send chunks yielded together as one update: the blocks are read off the text.
    const blocks = reply.text.split("\n\n");
    const passages = blocks.filter((block) => SOURCE_LINE.test(block));
    expect(passages.length).toBeGreaterThanOrEqual(1);
    expect(blocks).toHaveLength(passages.length + 2); // intro + passages + sources
    expect(blocks[0]).toContain("From the OmniForge knowledge base");
    expect(blocks[0]).toContain("FIRST_SUCCESS");
    for (const chunk of passages) {
      expect(chunk.match(/Source:/g)).toHaveLength(1);
      const quote = /^\d+\. "(.*)"\n/s.exec(chunk)?.[1] ?? "";
      expect(quote.length).toBeGreaterThan(20);
      expect(quote.length).toBeLessThanOrEqual(325);
    }
    expect(reply.text).toContain("cancels the others");
  });

  it("declines (task REJECTED) when nothing matches, saying so honestly with the topics it knows", async () => {
    for (const question of [
      "What will the weather be in Paris tomorrow?",
      "Give me a sourdough bread recipe",
    ]) {
      const reply = await ask(knowledge, question);
      expect(reply.state).toBe("TASK_STATE_REJECTED");
      // "I found nothing" is no answer: it is the decline's reason, not a reply artifact.
      expect(reply.text).toBe("");
      expect(reply.statusText).toContain("I found nothing about");
      expect(reply.statusText).not.toContain("Source:");
      expect(reply.statusText).toContain("Topics I can answer questions about:");
      expect(reply.statusText).toContain("Handoffs and their states");
      expect(reply.statusText).toContain("Tenants, threads and RBAC roles");
    }
  });

  it("a decline on the non-streaming path is the client's AGENT_TASK_FAILED with state REJECTED", async () => {
    const threadId = randomUUID();
    const error = await client
      .sendMessage(research.card, {
        text: "Give me a sourdough bread recipe",
        contextId: threadId,
        metadata: { omniforge: { tenantId: TENANT, userId: USER, threadId } },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrchestrationError);
    expect((error as OrchestrationError).context).toMatchObject({
      state: "TASK_STATE_REJECTED",
      detail: expect.stringContaining("I found nothing about"),
    });
  });

  it("asks for a question when the message has none", async () => {
    const reply = await ask(knowledge, "   ");
    expect(reply.text).toMatch(/^Ask me a question about the OmniForge knowledge base/);
  });

  it("mentions what earlier agents said when chained (previousResults)", async () => {
    const reply = await streamTurn(client, knowledge.card, {
      text: "Which roles can cancel a handoff?",
      threadId: randomUUID(),
      previousResults: [
        { agentId: "research-agent", response: "RBAC grants permissions to roles, per tenant." },
      ],
    });
    expect(reply.text).toMatch(
      /^Earlier in this chain, research-agent said: "RBAC grants permissions to roles, per tenant\."\n\nFrom the OmniForge/,
    );
    expect(sourcesOf(reply.text)[0]).toMatch(/^tenants-and-rbac\.md § /);
  });

  it("answers through sendMessage too (the orchestrator's non-streaming path)", async () => {
    const threadId = randomUUID();
    const result = await client.sendMessage(knowledge.card, {
      text: "What is OmniForge?",
      contextId: threadId,
      metadata: { omniforge: { tenantId: TENANT, userId: USER, threadId } },
    });
    expect(result.text).toContain("overview.md § Overview");
    expect(result.text).toContain("A2A protocol");
  });

  it("research: answers from its own corpus with findings and sources", async () => {
    const cases: [string, string][] = [
      ["How does BM25 rank documents?", "bm25.md"],
      ["What is a circuit breaker?", "resilience-patterns.md"],
      ["How do I write a file atomically so a crash cannot corrupt it?", "durability-and-crash-recovery.md"],
      ["How does a token bucket rate limit work?", "rate-limiting.md"],
      ["What is an agent card in the A2A protocol?", "a2a-protocol.md"],
    ];
    for (const [question, file] of cases) {
      const reply = await ask(research, question);
      expect(reply.text).toMatch(/^From the research notes \(\d findings?\)/);
      expect(sourcesOf(reply.text)[0]?.startsWith(`${file} § `), question).toBe(true);
    }
  });

  it("the two agents are independent sources", async () => {
    const question = "How does a token bucket rate limit work?";
    expect((await ask(knowledge, question)).statusText).toContain("I found nothing about");
    expect((await ask(research, question)).text).toContain("rate-limiting.md § Token bucket");
    expect((await ask(research, "What are the handoff states in HandoffManager?")).text).not.toContain(
      "handoffs.md",
    );
  });

  it("searches a caller-supplied docsDir (split by heading, cited as file § heading)", async () => {
    const dir = await dirs.make();
    await writeFile(
      path.join(dir, "runbook.md"),
      "# Runbook\n\nIntro text.\n\n## Rotating the signing key\n\nRun the rotation job, then restart the gateway pods.\n\n## Unrelated\n\nNothing here.\n",
    );
    await using agent = await startKnowledgeAgent({ docsDir: dir, maxPassages: 1 });
    const reply = await ask(agent, "How do I rotate the signing key?");
    expect(sourcesOf(reply.text)).toEqual(["runbook.md § Rotating the signing key"]);
    expect(reply.text).toContain('"Run the rotation job, then restart the gateway pods."');
  });

  it("refuses a docsDir without markdown documents, and bad options, naming the field", async () => {
    const empty = await dirs.make();
    await expect(startResearchAgent({ docsDir: empty })).rejects.toMatchObject({
      code: ErrorCode.CONFIGURATION_ERROR,
    });
    const error = await startKnowledgeAgent({ maxPassages: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrchestrationError);
    expect((error as OrchestrationError).field).toBe("config.maxPassages");
  });
});
