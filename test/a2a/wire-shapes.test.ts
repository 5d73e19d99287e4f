/** The handoff extension's payload helpers and the SSE parser, without sockets. */
import { describe, expect, it } from "vitest";
import {
  HANDOFF_EXTENSION_URI,
  findHandoffAccept,
  findHandoffCancel,
  findHandoffRequest,
  findHandoffReturn,
  findPreviousResults,
  handoffData,
  readOmniforgeMetadata,
  withOmniforgeMetadata,
} from "../../src/a2a/handoff-extension.js";
import { SseEventTooLargeError, SseParser } from "../../src/a2a/client/sse-parser.js";
import { ValidationError } from "../../src/errors.js";

const request = {
  handoffId: "h1",
  threadId: "th1",
  tenantId: "t1",
  userId: "u1",
  sourceAgentId: "main",
  contextSummary: "summary",
  handoffReason: "reason",
  recentMessages: [{ role: "user", content: "hi" }],
};

describe("handoff extension payloads", () => {
  it("has the contract's URI", () => {
    expect(HANDOFF_EXTENSION_URI).toBe("urn:omniforge:handoff:v1");
  });

  it("builds and finds each payload among data parts", () => {
    const data = [
      { unrelated: true },
      handoffData.request(request),
      handoffData.accept({ accepted: true, estimatedDurationSeconds: 60 }),
      handoffData.return({
        completionStatus: "completed",
        resultSummary: "done",
        artifactsCreated: ["a.md"],
      }),
      handoffData.cancel({ handoffId: "h1", reason: "user" }),
      handoffData.previousResults([{ agentId: "a", response: "r" }]),
    ];
    expect(findHandoffRequest(data)).toEqual(request);
    expect(findHandoffAccept(data)).toEqual({ accepted: true, estimatedDurationSeconds: 60 });
    expect(findHandoffReturn(data)).toEqual({
      completionStatus: "completed",
      resultSummary: "done",
      artifactsCreated: ["a.md"],
    });
    expect(findHandoffCancel(data)).toEqual({ handoffId: "h1", reason: "user" });
    expect(findPreviousResults(data)).toEqual([{ agentId: "a", response: "r" }]);
  });

  it("returns undefined when a payload is absent", () => {
    expect(findHandoffRequest([{ other: 1 }, "text", null])).toBeUndefined();
    expect(findPreviousResults([])).toBeUndefined();
  });

  it("names the offending field of a malformed payload", () => {
    const bad = [{ handoffReturn: { completionStatus: "finished" } }];
    expect(() => findHandoffReturn(bad)).toThrow(ValidationError);
    expect(() => findHandoffReturn(bad)).toThrow(/handoffReturn\.completionStatus/);
    expect(() => findHandoffRequest([{ handoffRequest: { ...request, recentMessages: "no" } }])).toThrow(
      /handoffRequest\.recentMessages/,
    );
  });

  it("reads and writes metadata.omniforge", () => {
    const metadata = withOmniforgeMetadata(
      { tenantId: "t", userId: "u", threadId: "th", handoffId: "h" },
      { other: 1 },
    );
    expect(metadata).toEqual({
      other: 1,
      omniforge: { tenantId: "t", userId: "u", threadId: "th", handoffId: "h" },
    });
    expect(readOmniforgeMetadata(metadata)).toEqual({
      tenantId: "t",
      userId: "u",
      threadId: "th",
      handoffId: "h",
    });
    expect(readOmniforgeMetadata(undefined)).toBeUndefined();
    expect(readOmniforgeMetadata({ other: 1 })).toBeUndefined();
    expect(() => readOmniforgeMetadata({ omniforge: { tenantId: "" } })).toThrow(/omniforge\.tenantId/);
  });
});

describe("SseParser", () => {
  it("dispatches events split across arbitrary chunks, with CRLF, comments and event types", () => {
    const parser = new SseParser(1_000);
    const input = ': keep-alive\r\ndata: {"a":1}\r\n\r\nevent: error\ndata: {"b"\ndata: :2}\n\n';
    const events = [];
    for (const char of input) events.push(...parser.push(char));
    expect(events).toEqual([
      { type: "message", data: '{"a":1}' },
      { type: "error", data: '{"b"\n:2}' },
    ]);
    expect(parser.end()).toBeUndefined();
  });

  it("flushes a final event that lacks its blank line", () => {
    const parser = new SseParser(1_000);
    expect(parser.push("data: last")).toEqual([]);
    expect(parser.end()).toEqual({ type: "message", data: "last" });
  });

  it("bounds an event and an unterminated line", () => {
    expect(() => new SseParser(10).push(`data: ${"x".repeat(20)}\n`)).toThrow(SseEventTooLargeError);
    expect(() => new SseParser(10).push("x".repeat(20))).toThrow(SseEventTooLargeError);
  });
});
