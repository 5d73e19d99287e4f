/**
 * 8. Every binding: A2AClient.sendMessage, forced onto one interface of a served agent, vs the SDK's
 * own client on the same agent and binding — @a2a-js/sdk 1.3 (ClientFactory with the binding's
 * transport factory) for v1.0 JSON-RPC, HTTP+JSON and gRPC, @a2a-js/sdk 0.3.14 for v0.3 JSON-RPC
 * and HTTP+JSON. Both clients are made once and reused and send the same text; a second pass
 * drains a short stream (task, working, three chunks yielded at once, completed) on each side.
 */
import { randomUUID } from "node:crypto";
import { SendMessageRequest } from "@a2a-js/sdk";
import {
  ClientFactory,
  ClientFactoryOptions,
  JsonRpcTransportFactory,
  RestTransportFactory,
  type Client as V1Client,
} from "@a2a-js/sdk/client";
import { GrpcTransportFactory } from "@a2a-js/sdk/client/grpc";
import type { MessageSendParams } from "a2a-sdk-v03";
import {
  ClientFactory as ClientFactory03,
  ClientFactoryOptions as ClientFactoryOptions03,
} from "a2a-sdk-v03/client";
import { A2AClient, type AgentCard } from "../../src/index.js";
import { LOOPBACK } from "../../test/helpers/network.js";
import { startAgentHost } from "../lib/agents.js";
import { medianOf, pairedLatency, type PairedRound } from "../lib/runner.js";
import { formatMs, formatRatio, type Summary } from "../lib/stats.js";
import type { BenchContext, BenchRow, Benchmark } from "../lib/types.js";

const TEXT = "What is the on-call rotation for the payments team?";
const STREAM_CHUNKS = 3;
/**
 * The fewest artifact updates a stream has: serveAgent coalesces chunks yielded within 20 ms, so
 * the three chunks may arrive as one update (then the closing `lastChunk` one).
 */
const ARTIFACT_EVENTS = 2;

/** One side's calls on one binding. */
interface Side {
  send(): Promise<void>;
  /** Drains one stream to its last event. */
  stream(): Promise<void>;
  close(): Promise<void>;
}

interface Binding {
  label: string;
  /** `service.interfacePreference` that forces OmniForge onto it. */
  preference: string;
  /** The SDK client on the same binding of `endpoint`'s agents. */
  sdk(endpoint: string, streamEndpoint: string): Promise<Side>;
}

function v1Request(): SendMessageRequest {
  // gRPC encodes a missing tenant as "undefined": a gRPC caller always sends it.
  return SendMessageRequest.fromJSON({
    tenant: "",
    message: { messageId: randomUUID(), role: "ROLE_USER", parts: [{ text: TEXT, mediaType: "text/plain" }] },
  });
}

function v03Params(): MessageSendParams {
  return {
    message: {
      kind: "message",
      messageId: randomUUID(),
      role: "user",
      parts: [{ kind: "text", text: TEXT }],
    },
  };
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

/** The SDK 1.3 client (ClientFactory, one transport factory) on `binding`. */
function sdk13(binding: "JSONRPC" | "HTTP+JSON" | "GRPC") {
  return async (endpoint: string, streamEndpoint: string): Promise<Side> => {
    const factory = new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: [
          binding === "JSONRPC"
            ? new JsonRpcTransportFactory()
            : binding === "HTTP+JSON"
              ? new RestTransportFactory()
              : new GrpcTransportFactory(),
        ],
        preferredTransports: [binding],
      }),
    );
    const [client, streamer] = await Promise.all([
      factory.createFromUrl(endpoint),
      factory.createFromUrl(streamEndpoint),
    ]);
    assertV1Transport(client, binding);
    return {
      async send() {
        const result = await client.sendMessage(v1Request());
        check(
          "messageId" in result ? result.parts.length > 0 : result.artifacts.length > 0,
          "empty SDK reply",
        );
      },
      async stream() {
        let artifacts = 0;
        for await (const event of streamer.sendMessageStream(v1Request())) {
          if (event.payload?.$case === "artifactUpdate") artifacts += 1;
        }
        check(artifacts >= ARTIFACT_EVENTS, `SDK stream had ${artifacts} chunks`);
      },
      // The gRPC transport holds a channel; the HTTP ones hold nothing of their own.
      close: async () => {
        for (const each of [client, streamer]) {
          (each.transport as { grpcClient?: { close(): void } }).grpcClient?.close();
        }
      },
    };
  };
}

function assertV1Transport(client: V1Client, binding: string): void {
  const name = client.transport.constructor.name.toLowerCase();
  const expected = binding === "JSONRPC" ? "jsonrpc" : binding === "HTTP+JSON" ? "rest" : "grpc";
  check(name.includes(expected), `the SDK picked ${client.transport.constructor.name} for ${binding}`);
  check(client.protocolVersion === "1.0", `the SDK speaks ${client.protocolVersion} for ${binding}`);
}

/** The SDK 0.3.14 client (its ClientFactory) on `binding`. */
function sdk03(binding: "JSONRPC" | "HTTP+JSON") {
  return async (endpoint: string, streamEndpoint: string): Promise<Side> => {
    const factory = new ClientFactory03(
      ClientFactoryOptions03.createFrom(ClientFactoryOptions03.default, { preferredTransports: [binding] }),
    );
    const [client, streamer] = await Promise.all([
      factory.createFromUrl(endpoint),
      factory.createFromUrl(streamEndpoint),
    ]);
    const name = (client as unknown as { transport: object }).transport.constructor.name.toLowerCase();
    check(name.includes(binding === "JSONRPC" ? "jsonrpc" : "rest"), `the 0.3.14 SDK picked ${name}`);
    return {
      async send() {
        const result = await client.sendMessage(v03Params());
        check(
          result.kind === "message" ? result.parts.length > 0 : (result.artifacts?.length ?? 0) > 0,
          "empty SDK reply",
        );
      },
      async stream() {
        let artifacts = 0;
        for await (const event of streamer.sendMessageStream(v03Params())) {
          if (event.kind === "artifact-update") artifacts += 1;
        }
        check(artifacts >= ARTIFACT_EVENTS, `SDK 0.3.14 stream had ${artifacts} chunks`);
      },
      close: () => Promise.resolve(),
    };
  };
}

const BINDINGS: readonly Binding[] = [
  { label: "v1.0 JSON-RPC", preference: "JSONRPC/1.0", sdk: sdk13("JSONRPC") },
  { label: "v1.0 HTTP+JSON", preference: "HTTP+JSON/1.0", sdk: sdk13("HTTP+JSON") },
  { label: "v1.0 gRPC", preference: "GRPC/1.0", sdk: sdk13("GRPC") },
  { label: "v0.3 JSON-RPC", preference: "JSONRPC/0.3", sdk: sdk03("JSONRPC") },
  { label: "v0.3 HTTP+JSON", preference: "HTTP+JSON/0.3", sdk: sdk03("HTTP+JSON") },
];

/** OmniForge's client forced onto `preference` (checked with describeAgent). */
async function omniforge(client: A2AClient, agent: AgentCard, streamer: AgentCard, preference: string) {
  const force = (card: AgentCard): AgentCard => ({
    ...card,
    service: { ...card.service!, interfacePreference: [preference] },
  });
  const [card, streamCard] = [force(agent), force(streamer)];
  for (const forced of [card, streamCard]) {
    const { chosen } = await client.describeAgent(forced);
    const got = `${chosen.binding}/${chosen.version}`;
    check(got === preference, `A2AClient chose ${got} instead of ${preference}`);
  }
  return {
    async send() {
      const result = await client.sendMessage(card, { text: TEXT });
      check(result.text !== "", "empty reply");
    },
    async stream() {
      let artifacts = 0;
      for await (const event of client.sendStreamingMessage(streamCard, { text: TEXT })) {
        if (event.type === "artifact") artifacts += 1;
      }
      check(artifacts >= ARTIFACT_EVENTS, `stream had ${artifacts} chunks`);
    },
    close: () => Promise.resolve(),
  } satisfies Side;
}

function ratioRow(
  name: string,
  rounds: readonly PairedRound<Summary>[],
  stat: "p50" | "p99",
  target: number | undefined,
): BenchRow {
  const ratio = medianOf(rounds, (r) => r.candidate[stat] / r.baseline[stat]);
  return {
    bench: 8,
    name,
    measured: formatMs(medianOf(rounds, (r) => r.candidate[stat])),
    baseline: formatMs(medianOf(rounds, (r) => r.baseline[stat])),
    figure: formatRatio(ratio),
    target: target === undefined ? "report" : `<= ${target.toFixed(1)}`,
    met: target === undefined ? undefined : ratio <= target,
  };
}

async function measureBinding(
  ctx: BenchContext,
  binding: Binding,
  client: A2AClient,
  agent: AgentCard,
  streamer: AgentCard,
): Promise<BenchRow[]> {
  const candidate = await omniforge(client, agent, streamer, binding.preference);
  const baseline = await binding.sdk(agent.service!.endpoint, streamer.service!.endpoint);
  try {
    ctx.log(`8: ${binding.label}: sendMessage vs the SDK's client`);
    const unary = await pairedLatency({
      candidate: candidate.send,
      baseline: baseline.send,
      rounds: ctx.scale(5, 3),
      callsPerRound: ctx.scale(160, 50),
      warmupCalls: ctx.scale(100, 30),
    });
    ctx.log(`8: ${binding.label}: a ${STREAM_CHUNKS}-chunk stream vs the SDK's client`);
    const streams = await pairedLatency({
      candidate: candidate.stream,
      baseline: baseline.stream,
      rounds: ctx.scale(3, 2),
      callsPerRound: ctx.scale(80, 30),
      warmupCalls: ctx.scale(40, 15),
    });
    return [
      ratioRow(`${binding.label}, SendMessage vs SDK client, p50`, unary, "p50", 1.0),
      ratioRow(`${binding.label}, SendMessage vs SDK client, p99`, unary, "p99", undefined),
      ratioRow(
        `${binding.label}, ${STREAM_CHUNKS}-chunk stream to last event vs SDK client, p50`,
        streams,
        "p50",
        undefined,
      ),
    ];
  } finally {
    await baseline.close();
  }
}

export const bindings: Benchmark = {
  id: 8,
  title: "Every binding vs the SDK's own client",
  async run(ctx) {
    await using host = await startAgentHost([
      { kind: "reply", id: "agent", grpc: true },
      { kind: "stream", id: "streamer", chunks: STREAM_CHUNKS, grpc: true },
    ]);
    await using client = new A2AClient({ network: LOOPBACK });
    const [agent, streamer] = [host.select("agent")[0]!, host.select("streamer")[0]!];
    const rows: BenchRow[] = [];
    for (const binding of BINDINGS)
      rows.push(...(await measureBinding(ctx, binding, client, agent, streamer)));
    return rows;
  },
};
