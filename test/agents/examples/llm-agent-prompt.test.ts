/** What the LLM agent puts in front of its model, and the bounds of what it remembers. No sockets. */
import { describe, expect, it } from "vitest";
import { AgentError, ErrorCode } from "../../../src/errors.js";
import { KNOWLEDGE_DOCS_DIR } from "../../../src/agents/examples/knowledge-agent.js";
import { PassageIndex } from "../../../src/agents/examples/document-search.js";
import { MAX_LLM_PASSAGE_CHARS } from "../../../src/agents/examples/llm-defaults.js";
import { llmError, scrubSecrets } from "../../../src/agents/examples/llm-errors.js";
import {
  ConversationMemory,
  DEFAULT_LLM_INSTRUCTIONS,
  buildChatMessages,
  renderQuestion,
} from "../../../src/agents/examples/llm-prompt.js";

const thread = (threadId: string, tenantId: string | undefined = "acme", userId = "alice") => ({
  tenantId,
  userId,
  threadId,
});

describe("LLM agent prompt", () => {
  it("numbers the retrieved passages under their sources, then the question", async () => {
    const index = await PassageIndex.fromDirectory({ dir: KNOWLEDGE_DOCS_DIR });
    const hits = index.search("What states can a handoff be in?", { limit: 2 });
    expect(hits.length).toBeGreaterThan(0);
    const text = renderQuestion({ question: "What states can a handoff be in?", hits });
    const sources = [...text.matchAll(/^\[(\d)\] Source: (.+)$/gm)].map((match) => [match[1], match[2]]);
    expect(sources).toEqual(hits.map((hit, i) => [String(i + 1), hit.source]));
    expect(text.endsWith("\n\nQuestion: What states can a handoff be in?")).toBe(true);
  });

  it("cuts a long passage to its bound", () => {
    const passage = { id: 0, file: "big.md", docTitle: "Big", heading: "All", text: "word ".repeat(2_000) };
    const text = renderQuestion({
      question: "q",
      hits: [{ passage, score: 1, source: "big.md § All", matchedTerms: [] }],
    });
    const body = text.split("\n")[3]!;
    expect(body.length).toBe(MAX_LLM_PASSAGE_CHARS);
    expect(body.endsWith("…")).toBe(true);
  });

  it("puts the instructions first, the history as alternating turns, and the question last", () => {
    const messages = buildChatMessages({
      instructions: DEFAULT_LLM_INSTRUCTIONS,
      history: [{ question: "q1", answer: "a1" }],
      question: "q2",
      hits: [],
    });
    expect(messages.map((message) => message.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(messages[0]!.content).toContain("[handoffs.md § Handoff states]");
    expect(messages.slice(1, 3).map((message) => message.content)).toEqual(["q1", "a1"]);
    expect(messages[3]!.content).toContain("Question: q2");
  });
});

describe("ConversationMemory", () => {
  it("keeps the last maxTurns exchanges of a thread, oldest first", () => {
    const memory = new ConversationMemory({ maxTurns: 2 });
    for (const n of [1, 2, 3]) memory.remember(thread("t"), { question: `q${n}`, answer: `a${n}` });
    expect(memory.history(thread("t"))).toEqual([
      { question: "q2", answer: "a2" },
      { question: "q3", answer: "a3" },
    ]);
  });

  it("drops the oldest exchanges past maxChars; an exchange too long by itself is kept shortened, and the earlier ones stay", () => {
    const memory = new ConversationMemory({ maxTurns: 10, maxChars: 10 });
    memory.remember(thread("t"), { question: "aaa", answer: "bbb" });
    memory.remember(thread("t"), { question: "ccc", answer: "ddd" });
    expect(memory.history(thread("t"))).toEqual([{ question: "ccc", answer: "ddd" }]);
    const wide = new ConversationMemory({ maxTurns: 10, maxChars: 40 });
    wide.remember(thread("t"), { question: "q1", answer: "a1" });
    wide.remember(thread("t"), { question: "q2", answer: "a2" });
    wide.remember(thread("t"), { question: "x".repeat(100), answer: "y".repeat(100) });
    const kept = wide.history(thread("t"));
    // Before, one oversize exchange wiped the thread: now the earlier ones survive beside it.
    expect(kept.slice(0, 2)).toEqual([
      { question: "q1", answer: "a1" },
      { question: "q2", answer: "a2" },
    ]);
    expect(kept).toHaveLength(3);
    const last = kept[2]!;
    // At most half the budget, so the exchanges before it keep the other half.
    expect(last.question.length + last.answer.length).toBeLessThanOrEqual(20);
    expect(last.question.startsWith("xxx") && last.question.endsWith("…")).toBe(true);
    expect(last.answer.endsWith("…")).toBe(true);
  });

  it("keeps tenants and users apart: another user naming the same thread id reads nothing", () => {
    const memory = new ConversationMemory();
    memory.remember(thread("t", "acme", "alice"), { question: "secret q", answer: "secret a" });
    expect(memory.history(thread("t", "acme", "mallory"))).toEqual([]);
    expect(memory.history(thread("t", "globex", "alice"))).toEqual([]);
    expect(memory.history(thread("t", "acme", "alice"))).toHaveLength(1);
  });

  it("bounds threads per tenant: one tenant's many threads never push out another tenant's", () => {
    const memory = new ConversationMemory({ maxThreadsPerTenant: 2, maxThreads: 100 });
    memory.remember(thread("quiet", "globex"), { question: "q", answer: "a" });
    for (const n of [1, 2, 3, 4, 5]) memory.remember(thread(`t${n}`, "acme"), { question: "q", answer: "a" });
    expect(memory.history(thread("quiet", "globex"))).toHaveLength(1);
    expect(memory.history(thread("t5", "acme"))).toHaveLength(1);
    expect(memory.history(thread("t4", "acme"))).toHaveLength(1);
    expect(memory.history(thread("t3", "acme"))).toEqual([]);
  });

  it("remembers nothing with maxTurns 0", () => {
    const memory = new ConversationMemory({ maxTurns: 0 });
    memory.remember(thread("t"), { question: "q", answer: "a" });
    expect(memory.history(thread("t"))).toEqual([]);
  });
});

describe("LLM agent errors", () => {
  const context = {
    endpoint: "http://127.0.0.1:1",
    model: "m",
    apiKey: "my-custom-key-123",
    agentId: "llm-agent",
    timeoutMs: 5,
  };

  it("scrubs the configured key, sk- style keys and bearer tokens from a server's words", () => {
    expect(
      scrubSecrets("bad key my-custom-key-123 and sk-abcdefghijkl, Bearer xyz.abc", "my-custom-key-123"),
    ).toBe("bad key [REDACTED] and [REDACTED], Bearer [REDACTED]");
  });

  it("scrubs any 8+ character piece of the key in any case, and common key shapes", () => {
    const key = "AIzaSyDsecretGoogleKey0123456789";
    // A prefix of the key, as a server quoting a truncated key would.
    expect(scrubSecrets("API key not valid: AIzaSyDsecretGoogleK.", key)).toBe(
      "API key not valid: [REDACTED].",
    );
    // The tail, in another case.
    expect(scrubSecrets("key ...GOOGLEKEY0123 rejected", key)).toBe("key ...[REDACTED] rejected");
    // Seven characters of it are not a piece of the key; the rest of the text is left alone.
    expect(scrubSecrets("model secretG not found", key)).toBe("model secretG not found");
    const xai = "xai-DEMOKEY0123456789abcdef";
    expect(scrubSecrets("Incorrect API key provided: xai-DEMOKEY012345678***", xai)).not.toContain("DEMOKEY");
    for (const shaped of [
      "SK-PROJ-abcdefgh1234",
      "xai-ABCDEFGH12345678",
      "AIzaSyA1234567890abcdef",
      "gsk_abcdefgh12345678",
      "hf_abcdefghijklmnop",
      "AKIAABCDEFGHIJKLMNOP",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
    ]) {
      expect(scrubSecrets(`key ${shaped} refused`, undefined), shaped).toBe("key [REDACTED] refused");
    }
  });

  it("an unknown failure before streaming is AGENT_PROTOCOL_ERROR; during the stream it is AGENT_UNAVAILABLE", () => {
    const before = llmError(new TypeError("weird"), context, "request");
    expect(before).toBeInstanceOf(AgentError);
    expect(before.code).toBe(ErrorCode.AGENT_PROTOCOL_ERROR);
    const during = llmError(
      Object.assign(new TypeError("terminated"), { cause: { code: "ECONNRESET" } }),
      context,
      "stream",
    );
    expect(during.code).toBe(ErrorCode.AGENT_UNAVAILABLE);
    expect(during.message).toBe(
      "AGENT_UNAVAILABLE: the connection to the model server broke during the answer (ECONNRESET)",
    );
    expect(during.context).toMatchObject({ agentId: "llm-agent", endpoint: "http://127.0.0.1:1" });
  });
});
