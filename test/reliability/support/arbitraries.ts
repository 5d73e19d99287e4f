/**
 * fast-check arbitraries for what a hostile or broken agent can send back: JSON-RPC bodies (random
 * JSON, valid envelopes with mutated fields, huge strings within limits) and SSE streams (valid,
 * mutated, comment and error frames, CRLF, truncated), written in random chunk sizes. Reusable by
 * other fuzz suites (the gateway's route fuzzing lives in test/reliability/gateway-fuzz.test.ts).
 */
import fc from "fast-check";

/**
 * Stands for the JSON-RPC id in generated bodies; the fuzz server swaps in the request's real id
 * (so valid envelopes stay valid, while mutated ids still come through mutated).
 */
export const ID_PLACEHOLDER = 987_654_321;

/** How a fuzzed HTTP response is delivered. */
export interface ResponsePlan {
  status: number;
  contentType: string | undefined;
  /** The body, in the chunks it is written in. */
  chunks: string[];
  /** Cut the connection after writing instead of ending the response cleanly. */
  drop: boolean;
}

const STATES = [
  "TASK_STATE_SUBMITTED",
  "TASK_STATE_WORKING",
  "TASK_STATE_COMPLETED",
  "TASK_STATE_FAILED",
  "TASK_STATE_CANCELED",
  "TASK_STATE_INPUT_REQUIRED",
  "TASK_STATE_REJECTED",
  "TASK_STATE_AUTH_REQUIRED",
  "TASK_STATE_UNSPECIFIED",
];

/** A large but bounded string (the client limit is well above it). */
export const hugeString = fc.integer({ min: 10_000, max: 200_000 }).map((n) => "λx".repeat(n >> 1));

/** Any JSON value, sometimes a huge string. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: hugeString },
);

const text = fc.oneof({ weight: 8, arbitrary: fc.string() }, { weight: 1, arbitrary: hugeString });
const textPart = fc.record({ text, mediaType: fc.constant("text/plain") });
const dataPart = fc.record({
  data: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
  mediaType: fc.constant("application/json"),
});
const parts = fc.array(fc.oneof({ weight: 3, arbitrary: textPart }, { weight: 1, arbitrary: dataPart }), {
  maxLength: 3,
});
const state = fc.constantFrom(...STATES);
const message = fc.record({
  messageId: fc.uuid(),
  role: fc.constant("ROLE_AGENT"),
  contextId: fc.string(),
  parts,
});
const status = fc.oneof(
  fc.record({ state }),
  fc.record({
    state,
    message,
    timestamp: fc.date().map((d) => (Number.isNaN(d.getTime()) ? "" : d.toISOString())),
  }),
);
const artifact = fc.record({ artifactId: fc.string(), parts });
const ids = { taskId: fc.uuid(), contextId: fc.string() };

/** A well-formed `SendMessage` result or stream event (before any mutation). */
const validResult = fc.oneof(
  fc.record({
    task: fc.record({
      id: fc.uuid(),
      contextId: fc.string(),
      status,
      artifacts: fc.array(artifact, { maxLength: 2 }),
    }),
  }),
  fc.record({ message }),
  fc.record({ statusUpdate: fc.record({ ...ids, status }) }),
  fc.record({
    artifactUpdate: fc.record({ ...ids, artifact, append: fc.boolean(), lastChunk: fc.boolean() }),
  }),
);

/** One edit of a JSON tree: drop a node, or replace it with arbitrary JSON. */
interface Mutation {
  /** Picks the node (index modulo the number of nodes). */
  at: number;
  kind: "delete" | "replace";
  value: unknown;
}
const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom("delete" as const, "replace" as const),
  value: anyJson,
});

function applyMutation(root: unknown, edit: Mutation): unknown {
  const slots: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== "object") return;
    for (const [key, child] of Object.entries(node)) {
      slots.push({ parent: node as Record<string, unknown>, key: Array.isArray(node) ? Number(key) : key });
      walk(child);
    }
  };
  walk(root);
  if (slots.length === 0) return edit.value;
  const { parent, key } = slots[edit.at % slots.length]!;
  if (edit.kind === "replace") (parent as Record<string | number, unknown>)[key] = edit.value;
  else if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete parent[key as string];
  return root;
}

/** `value`, half the time as generated, otherwise with one to three mutations. */
function mutated(value: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      value,
      fc.oneof(
        { weight: 1, arbitrary: fc.constant([] as Mutation[]) },
        { weight: 1, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) },
      ),
    )
    .map(([generated, edits]) => edits.reduce<unknown>((tree, edit) => applyMutation(tree, edit), generated));
}

const rpcError = fc.record({
  code: fc.oneof(fc.constantFrom(-32700, -32600, -32601, -32602, -32603, -32001, -32009), fc.integer()),
  message: fc.string(),
});

/** A JSON-RPC response envelope for request `id`: a result, an error, or something broken. */
export function envelope(id: number = ID_PLACEHOLDER): fc.Arbitrary<unknown> {
  return fc.oneof(
    {
      weight: 6,
      arbitrary: mutated(
        fc.record({ jsonrpc: fc.constant("2.0"), id: fc.constant(id), result: validResult }),
      ),
    },
    {
      weight: 2,
      arbitrary: mutated(fc.record({ jsonrpc: fc.constant("2.0"), id: fc.constant(id), error: rpcError })),
    },
    { weight: 1, arbitrary: anyJson },
  );
}

/** Splits `text` into 1..6 chunks at random points. */
function chunked(text: string): fc.Arbitrary<string[]> {
  return fc.array(fc.nat({ max: Math.max(0, text.length) }), { maxLength: 5 }).map((cuts) => {
    const points = [...new Set(cuts)].sort((a, b) => a - b);
    const out: string[] = [];
    let previous = 0;
    for (const point of points) {
      out.push(text.slice(previous, point));
      previous = point;
    }
    out.push(text.slice(previous));
    return out.filter((chunk) => chunk !== "");
  });
}

/** Serialized text, sometimes truncated (and then the connection is dropped, as a crash would). */
function maybeTruncated(text: string): fc.Arbitrary<{ text: string; truncated: boolean }> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant({ text, truncated: false }) },
    {
      weight: 1,
      arbitrary: fc.nat({ max: text.length }).map((cut) => ({ text: text.slice(0, cut), truncated: true })),
    },
  );
}

const statusCode = fc.oneof(
  { weight: 12, arbitrary: fc.constant(200) },
  { weight: 1, arbitrary: fc.constantFrom(201, 204, 301, 400, 404, 413, 500, 502, 503) },
);

/** A response to a `SendMessage` call with JSON-RPC id `id`. */
export function jsonResponsePlan(id: number = ID_PLACEHOLDER): fc.Arbitrary<ResponsePlan> {
  return fc
    .record({
      status: statusCode,
      contentType: fc.oneof(
        { weight: 8, arbitrary: fc.constant("application/json") },
        { weight: 1, arbitrary: fc.constantFrom(undefined, "text/plain", "text/event-stream") },
      ),
      body: fc.oneof(
        { weight: 8, arbitrary: envelope(id).map((value) => JSON.stringify(value) ?? "null") },
        { weight: 1, arbitrary: fc.string() },
      ),
    })
    .chain(({ status, contentType, body }) =>
      maybeTruncated(body).chain(({ text, truncated }) =>
        chunked(text).map((chunks) => ({ status, contentType, chunks, drop: truncated })),
      ),
    );
}

/** One SSE frame as text: a data frame, an error frame, a comment, or a malformed one. */
function sseFrame(id: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: envelope(id).map((value) => `data: ${JSON.stringify(value) ?? "null"}\n\n`) },
    {
      weight: 1,
      arbitrary: envelope(id).map((value) => `event: error\ndata: ${JSON.stringify(value) ?? "null"}\n\n`),
    },
    { weight: 1, arbitrary: envelope(id).map((value) => `data: ${JSON.stringify(value) ?? "null"}\r\n\r\n`) },
    { weight: 1, arbitrary: fc.string().map((text) => `: ${text.replace(/[\r\n]/g, " ")}\n\n`) },
    { weight: 1, arbitrary: fc.string().map((text) => `data: ${text.replace(/[\r\n]/g, " ")}\n\n`) },
    { weight: 1, arbitrary: fc.string() },
  );
}

/** A response to a `SendStreamingMessage` call with JSON-RPC id `id`. */
export function sseResponsePlan(id: number = ID_PLACEHOLDER): fc.Arbitrary<ResponsePlan> {
  return fc
    .record({
      status: statusCode,
      contentType: fc.oneof(
        { weight: 8, arbitrary: fc.constant("text/event-stream") },
        {
          weight: 1,
          arbitrary: fc.constantFrom(undefined, "application/json", "text/event-stream; charset=utf-8"),
        },
      ),
      frames: fc.array(sseFrame(id), { maxLength: 8 }),
    })
    .chain(({ status, contentType, frames }) =>
      maybeTruncated(frames.join("")).chain(({ text, truncated }) =>
        chunked(text).map((chunks) => ({ status, contentType, chunks, drop: truncated })),
      ),
    );
}
