/**
 * A stream whose connection drops mid-reply, on real SDK agents: the agent goes on and finishes
 * its task, and the client still delivers the whole reply exactly once — resubscribing while the
 * task runs, or reading the finished task when it is too late to subscribe.
 *
 * The agent streams `chunks:6` (six text chunks of one artifact, then a data artifact) and holds
 * its third chunk; once the client has the first two, every connection of the agent is dropped
 * (server side, as a network failure would), and the agent is let go on.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { AgentCard } from "../../../src/a2a/agent-card.js";
import { A2AClient } from "../../../src/a2a/client/a2a-client.js";
import type { A2AStreamEvent } from "../../../src/a2a/client/types.js";
import { LOOPBACK } from "../../helpers/network.js";
import {
  ScriptedAgent,
  startSdkAgent,
  type GrpcCall,
  type SdkAgent,
  type SdkAgentKind,
} from "../../helpers/sdk-agents.js";
import { deferred, expectNoUnhandledRejections } from "../../helpers/a2a.js";

expectNoUnhandledRejections();

interface Cell {
  name: string;
  kind: SdkAgentKind;
  preference?: string[];
}

const CELLS: Cell[] = [
  { name: "SDK 1.3, v1.0 JSON-RPC", kind: "v1-jsonrpc" },
  { name: "SDK 1.3, v1.0 HTTP+JSON", kind: "v1-rest" },
  { name: "SDK 1.3, v1.0 gRPC", kind: "v1-grpc" },
  { name: "SDK 1.3 legacy compat, v0.3 JSON-RPC", kind: "v1-legacy", preference: ["JSONRPC/0.3"] },
  { name: "SDK 1.3 legacy compat, v0.3 HTTP+JSON", kind: "v1-legacy", preference: ["HTTP+JSON/0.3"] },
  { name: "SDK 0.3.14, v0.3 JSON-RPC", kind: "v03-jsonrpc" },
  { name: "SDK 0.3.14, v0.3 HTTP+JSON", kind: "v03-rest" },
];

const CHUNKS = 6;
const CHUNK_TEXTS = Array.from({ length: CHUNKS }, (_, index) => `part${index} `);
/** The chunk the agent holds until the test lets it go on. */
const HELD_CHUNK = 2;

type ArtifactEvent = Extract<A2AStreamEvent, { type: "artifact" }>;
const answerOf = (events: A2AStreamEvent[]): ArtifactEvent[] =>
  events.filter(
    (event): event is ArtifactEvent => event.type === "artifact" && event.artifactId === "answer",
  );

/** A call that reached the agent after the connections were dropped. */
interface ResumeCall {
  /** A streamed call (resubscribe), not a unary one (GetTask). */
  stream: boolean;
  /** Runs `callback` once the agent starts answering it. */
  onStart(callback: () => void): void;
}

function onResponseStart(response: ServerResponse, callback: () => void): void {
  const write = response.write.bind(response) as (...args: unknown[]) => boolean;
  const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
  response.write = ((...args: unknown[]) => {
    callback();
    return write(...args);
  }) as ServerResponse["write"];
  response.end = ((...args: unknown[]) => {
    callback();
    return end(...args);
  }) as ServerResponse["end"];
}

function onGrpcStart(call: GrpcCall, callback: () => void): void {
  if (!("write" in call)) return callback();
  const write = call.write.bind(call) as (...args: unknown[]) => boolean;
  call.write = ((...args: unknown[]) => {
    callback();
    return write(...args);
  }) as typeof call.write;
}

function expectWholeReplyOnce(events: A2AStreamEvent[]): void {
  const answer = answerOf(events);
  expect(answer.map((event) => event.text).join("")).toBe(CHUNK_TEXTS.join(""));
  // The chunks from before the drop came live, in order.
  expect(answer.slice(0, 2).map((event) => [event.text, event.append])).toEqual([
    ["part0 ", false],
    ["part1 ", true],
  ]);
  const facts = events.filter(
    (event): event is ArtifactEvent => event.type === "artifact" && event.artifactId === "facts",
  );
  expect(facts.flatMap((event) => event.data)).toEqual([{ chunks: CHUNKS, ok: true }]);
  // The task is announced once; its end comes last, once, after all of the reply.
  expect(events.filter((event) => event.type === "task")).toHaveLength(1);
  expect(events.at(-1)).toMatchObject({ type: "status", state: "TASK_STATE_COMPLETED" });
  const states = events.flatMap((event) =>
    event.type === "status" || event.type === "task" ? [event.state] : [],
  );
  expect(states.filter((state) => state === "TASK_STATE_COMPLETED")).toHaveLength(1);
}

describe.each(CELLS)("stream resume × $name", (cell) => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((resource) => resource.close()));
  });

  /**
   * An agent running `script`, whose calls after the drop are shown to `afterDrop` (which may hold
   * them), and a stream to it that drops every connection once the client has two chunks.
   */
  async function dropMidStream(
    script: ScriptedAgent,
    afterDrop: (call: ResumeCall) => void | Promise<void>,
    onDropped: () => void = () => {},
  ): Promise<{ events: A2AStreamEvent[]; resumeCalls: ResumeCall[] }> {
    let dropped = false;
    const resumeCalls: ResumeCall[] = [];
    const seen = async (call: ResumeCall): Promise<void> => {
      if (!dropped) return;
      resumeCalls.push(call);
      await afterDrop(call);
    };
    const agent: SdkAgent = await startSdkAgent({
      kind: cell.kind,
      script,
      intercept: (request: IncomingMessage, response: ServerResponse) =>
        seen({
          stream: (request.headers.accept ?? "").includes("text/event-stream"),
          onStart: (callback) => onResponseStart(response, callback),
        }),
      interceptGrpc: (call) =>
        seen({ stream: "write" in call, onStart: (callback) => onGrpcStart(call, callback) }),
    });
    const client = new A2AClient({ network: LOOPBACK });
    open.push(client, agent);
    const card: AgentCard = {
      ...agent.card,
      service: { endpoint: agent.url, ...(cell.preference ? { interfacePreference: cell.preference } : {}) },
    };
    const events: A2AStreamEvent[] = [];
    for await (const event of client.sendStreamingMessage(
      card,
      { text: `chunks:${CHUNKS}` },
      { timeoutMs: 10_000 },
    )) {
      events.push(event);
      if (!dropped && answerOf(events).length === HELD_CHUNK) {
        // The agent holds its next chunk: nothing is in flight when the connections go.
        dropped = true;
        agent.dropConnections();
        onDropped();
      }
    }
    expect(dropped).toBe(true);
    return { events, resumeCalls };
  }

  it("the connection drops while the agent works on: resubscribed, the rest arrives live, nothing repeated", async () => {
    const script = new ScriptedAgent();
    const resumed = deferred();
    // The agent goes on once the client is back (the first answer to its resumption started).
    script.beforeChunk = async (_taskId, index) => {
      if (index === HELD_CHUNK) await resumed.promise;
    };
    const { events, resumeCalls } = await dropMidStream(script, (call) =>
      // A macrotask later: the server has subscribed to the task's events by then (0.3.14
      // subscribes only after writing its snapshot; events published in between would be lost).
      call.onStart(() => setImmediate(() => resumed.resolve())),
    );
    expect(resumeCalls[0]?.stream).toBe(true);
    // Every later chunk came live, one by one, continuing the artifact.
    expect(answerOf(events).map((event) => [event.text, event.append])).toEqual(
      CHUNK_TEXTS.map((text, index) => [text, index > 0]),
    );
    expectWholeReplyOnce(events);
  });

  it("the connection drops and the agent finishes before the client is back: the finished task fills in the rest once", async () => {
    const script = new ScriptedAgent();
    const dropped = deferred();
    script.beforeChunk = async (_taskId, index) => {
      if (index === HELD_CHUNK) await dropped.promise;
    };
    const { events, resumeCalls } = await dropMidStream(
      script,
      // Every call after the drop waits until the agent's turn is over.
      () => script.turnEnded(script.last!.assignedTaskId).then(() => undefined),
      () => dropped.resolve(),
    );
    expect(resumeCalls.length).toBeGreaterThan(0);
    expectWholeReplyOnce(events);
  });
});
