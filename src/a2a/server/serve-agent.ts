/**
 * `serveAgent`: build a real A2A agent from one async generator, reachable by every A2A client: v1.0
 * over JSON-RPC and HTTP+JSON (and gRPC on request), and v0.3 over JSON-RPC and HTTP+JSON. The
 * server side of `@a2a-js/sdk` does the protocol work (DefaultRequestHandler, its transport
 * handlers and v0.3 compat layer) behind a thin Fastify adapter; tasks live in a bounded memory store
 * or in a database; OmniForge's handoff extension and metadata are decoded into `ctx`.
 */
import { AgentCard as A2AAgentCardCodec } from "@a2a-js/sdk";
import type { AgentCard as A2AAgentCard } from "@a2a-js/sdk";
import { duplicateInterfacesForLegacy } from "@a2a-js/sdk/compat/v0_3";
import { trace, type Tracer } from "@opentelemetry/api";
import Fastify, { type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { z } from "zod";
import { HANDOFF_EXTENSION_URI } from "../handoff-extension.js";
import {
  A2A_PROTOCOL_VERSION,
  AGENT_CARD_PATH,
  DEFAULT_CLOSE_GRACE_MS,
  DEFAULT_MAX_BODY_BYTES,
  JSONRPC_PATH,
  LEGACY_AGENT_CARD_PATH,
  REST_PATH,
} from "../defaults.js";
import { ConfigurationError } from "../../errors.js";
import { agentCardSchema, type AgentCard, type AgentSkill } from "../agent-card.js";
import { registerA2ARoutes, type RequestAuthenticator } from "./fastify-adapter.js";
import { OmniforgeAgentExecutor } from "./agent-executor.js";
import type { AgentHandlers } from "./agent-handlers.js";
import { startGrpcBinding, type GrpcBinding, type GrpcBindingConfig } from "./grpc-binding.js";
import { TurnTakingRequestHandler } from "./request-handler.js";
import { createAgentTaskStore, type AgentTaskStore, type AgentTaskStoreConfig } from "./task-stores.js";
import { legacyCardJson } from "./legacy-card.js";

export type { GrpcBindingConfig } from "./grpc-binding.js";
export type { AgentTaskStoreConfig, TaskDatabase } from "./task-stores.js";

export type {
  AgentHandlers,
  AgentHandoffContext,
  AgentMessageContext,
  AgentOutput,
} from "./agent-handlers.js";

/** Configuration of {@link serveAgent}. */
export interface ServeAgentConfig extends AgentHandlers {
  /** Who the agent is; becomes its A2A card (name, description, version, skills). */
  card: { identity: AgentCard["identity"]; skills?: AgentSkill[] };
  /** TCP port; 0 (the default) lets the OS pick a free one. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /**
   * The base URL clients reach this agent at, when it differs from `http://{host}:{port}` (behind a
   * proxy, or listening on 0.0.0.0). It is published in the A2A card and the AgentCard.
   */
  publicUrl?: string;
  /**
   * Largest accepted request body, on every binding: larger ones get HTTP 413 (gRPC:
   * RESOURCE_EXHAUSTED). Default 4 MiB.
   */
  maxBodyBytes?: number;
  /**
   * The most one turn's reply may total (what `handleMessage` yields, as UTF-8 text and JSON); past it
   * the turn fails with a message naming the limit. Default 8 MiB.
   */
  maxReplyBytes?: number;
  /**
   * Also answer A2A v0.3 clients (JSON-RPC and HTTP+JSON at the same URLs, told apart by the
   * `A2A-Version` header; the card carries the v0.3 fields too). Default true.
   */
  legacy?: boolean;
  /** Also serve v1.0 gRPC (on its own port): `true`, or where and how to listen. Default off. */
  grpc?: boolean | GrpcBindingConfig;
  /**
   * Where tasks are kept: in memory (default: at most 10,000 tasks and 256 MiB, finished tasks out
   * first, each for 24 h after its last update; new messages are refused while running tasks alone
   * fill it) or
   * in a Database (`{ database }`: shared by replicas, kept over restarts, so a task waiting for input
   * survives a restart).
   */
  tasks?: AgentTaskStoreConfig;
  /**
   * Decides from a request's headers (gRPC: its metadata) whether to serve it, on every binding (e.g.
   * check the bearer token an orchestrator sends from `service.auth`); a refused request gets HTTP 401
   * (gRPC: UNAUTHENTICATED). The A2A card stays public.
   */
  authenticate?: RequestAuthenticator;
  logger?: Logger;
  /** Server spans continue the caller's `traceparent`. Default `trace.getTracer("omniforge")`. */
  tracer?: Tracer;
}

/** A running agent server. */
export interface ServedAgent extends AsyncDisposable {
  /** The base URL, e.g. `http://127.0.0.1:41234` (the A2A card is at `{url}/.well-known/agent-card.json`). */
  readonly url: string;
  readonly port: number;
  /** The card an orchestrator uses: `service.endpoint = url`, `capabilities.handoff` set when handoffs are accepted. */
  readonly card: AgentCard;
  /** The A2A card the server publishes (v1.0 shape; v0.3 clients get the same with the v0.3 fields). */
  readonly a2aCard: A2AAgentCard;
  /** `host:port` of the gRPC binding, when it is served. */
  readonly grpcTarget?: string;
  /** Stops accepting requests, ends running handlers and open streams, frees the port. Idempotent. */
  close(): Promise<void>;
}

const isFunction = (value: unknown): boolean => typeof value === "function";

const serveAgentConfigSchema = z.object({
  card: z.object({ identity: agentCardSchema.shape.identity, skills: agentCardSchema.shape.skills }),
  port: z.number().int().min(0).max(65_535).optional(),
  host: z.string().min(1).optional(),
  publicUrl: agentCardSchema.shape.service.unwrap().shape.endpoint.optional(),
  maxBodyBytes: z.number().int().positive().optional(),
  maxReplyBytes: z.number().int().positive().optional(),
  legacy: z.boolean().optional(),
  grpc: z
    .union([
      z.boolean(),
      z.object({
        port: z.number().int().min(0).max(65_535).optional(),
        host: z.string().min(1).optional(),
        credentials: z.custom<unknown>((value) => typeof value === "object" && value !== null).optional(),
        publicTarget: z
          .string()
          .regex(/^[^\s/:]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/, "must be host:port")
          .optional(),
      }),
    ])
    .optional(),
  tasks: z
    .object({
      database: z
        .custom<unknown>(
          (value) => typeof value === "object" && value !== null && "initialize" in value,
          "must be a Database",
        )
        .optional(),
      maxTasks: z.number().int().positive().optional(),
      maxStoredBytes: z.number().int().positive().optional(),
      ttlMs: z.number().int().positive().optional(),
    })
    .optional(),
  handleMessage: z.custom<unknown>(isFunction, "must be a function"),
  onHandoffRequest: z.custom<unknown>(isFunction, "must be a function").optional(),
  onHandoffCancel: z.custom<unknown>(isFunction, "must be a function").optional(),
  authenticate: z.custom<unknown>(isFunction, "must be a function").optional(),
});

function validateConfig(config: ServeAgentConfig): void {
  const result = serveAgentConfigSchema.safeParse(config);
  if (result.success) return;
  const issue = result.error.issues[0];
  const path = issue && issue.path.length > 0 ? `config.${issue.path.join(".")}` : "config";
  throw new ConfigurationError(`${path}: ${issue?.message ?? "invalid serveAgent configuration"}`, {
    context: { field: path },
  });
}

function buildA2ACard(config: ServeAgentConfig): A2AAgentCard {
  const { identity, skills = [] } = config.card;
  return A2AAgentCardCodec.fromJSON({
    name: identity.name,
    description: identity.description ?? identity.name,
    version: identity.version ?? "1.0.0",
    // The interfaces are filled in once the OS has assigned the ports.
    supportedInterfaces: [],
    capabilities: {
      streaming: true,
      pushNotifications: false,
      extensions: config.onHandoffRequest
        ? [
            {
              uri: HANDOFF_EXTENSION_URI,
              description: "OmniForge handoff: takes control of a conversation thread and returns it",
              required: false,
            },
          ]
        : [],
    },
    defaultInputModes: ["text/plain", "application/json"],
    defaultOutputModes: ["text/plain", "application/json"],
    skills: skills.map((skill) => ({
      id: skill.id,
      name: skill.name,
      description: skill.description ?? "",
      tags: skill.tags ?? [],
      examples: skill.examples ?? [],
    })),
  });
}

/**
 * Starts an A2A agent server.
 *
 * @example
 * ```ts
 * await using agent = await serveAgent({
 *   card: { identity: { id: "echo", name: "Echo" } },
 *   async *handleMessage(ctx) { yield `you said: ${ctx.text}`; },
 * });
 * await orchestrator.delegateToAgents({ ..., targetAgentCards: [agent.card] });
 * ```
 */
export async function serveAgent(config: ServeAgentConfig): Promise<ServedAgent> {
  validateConfig(config);
  const host = config.host ?? "127.0.0.1";
  const legacy = config.legacy ?? true;
  const logger = config.logger?.child({ agentId: config.card.identity.id });
  const a2aCard = buildA2ACard(config);
  const executor = new OmniforgeAgentExecutor({
    handleMessage: config.handleMessage,
    ...(config.onHandoffRequest ? { onHandoffRequest: config.onHandoffRequest } : {}),
    ...(config.onHandoffCancel ? { onHandoffCancel: config.onHandoffCancel } : {}),
    ...(logger ? { logger } : {}),
    ...(config.maxReplyBytes ? { maxReplyBytes: config.maxReplyBytes } : {}),
  });
  const tasks = createAgentTaskStore(config.tasks, logger);
  await tasks.ready();
  const requestHandler = new TurnTakingRequestHandler(a2aCard, tasks.store, executor);
  const app = Fastify({
    ...(logger ? { loggerInstance: logger, disableRequestLogging: true } : { logger: false }),
    bodyLimit: config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
  });
  const routes = registerA2ARoutes(app, {
    requestHandler,
    getCard: () => a2aCard,
    ...(legacy ? { getLegacyCard: () => legacyCardJson(a2aCard) } : {}),
    rpcPath: JSONRPC_PATH,
    restPath: REST_PATH,
    cardPaths: legacy ? [AGENT_CARD_PATH, LEGACY_AGENT_CARD_PATH] : [AGENT_CARD_PATH],
    maxBodyBytes: config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    tracer: config.tracer ?? trace.getTracer("omniforge"),
    ...(logger ? { logger } : {}),
    ...(config.authenticate ? { authenticate: config.authenticate } : {}),
  });
  const grpc = await listen(app, requestHandler, tasks, { config, host, logger });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : (config.port ?? 0);
  const url =
    config.publicUrl?.replace(/\/+$/, "") ?? `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  a2aCard.supportedInterfaces = servedInterfaces(url, grpc, legacy);
  const card: AgentCard = {
    identity: { ...config.card.identity },
    service: { endpoint: url },
    ...(config.card.skills ? { skills: config.card.skills.map((skill) => ({ ...skill })) } : {}),
    capabilities: { streaming: true, handoff: config.onHandoffRequest !== undefined },
  };
  logger?.info({ url, grpc: grpc?.target, legacy, tasks: tasks.kind }, "agent listening");
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= shutDown({ executor, drain: () => routes.drain(), app, grpc, tasks, logger, url }));
  return Object.freeze({
    url,
    port,
    ...(grpc ? { grpcTarget: grpc.target } : {}),
    card,
    a2aCard,
    close,
    [Symbol.asyncDispose]: close,
  });
}

/** What listening and closing need of the agent's Fastify instance (whatever its logger type). */
type AgentApp = Pick<FastifyInstance, "listen" | "server"> & { close(): PromiseLike<unknown> };

/** Starts listening over HTTP (and gRPC when configured); on failure, frees what was opened. */
async function listen(
  app: AgentApp,
  requestHandler: TurnTakingRequestHandler,
  tasks: AgentTaskStore,
  options: { config: ServeAgentConfig; host: string; logger: Logger | undefined },
): Promise<GrpcBinding | undefined> {
  const { config, host, logger } = options;
  let grpc: GrpcBinding | undefined;
  try {
    await app.listen({ port: config.port ?? 0, host });
    if (config.grpc) {
      const grpcConfig = config.grpc === true ? {} : config.grpc;
      grpc = await startGrpcBinding(
        requestHandler,
        {
          ...grpcConfig,
          host: grpcConfig.host ?? host,
          maxMessageBytes: config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
        },
        config.authenticate,
        logger,
      );
    }
    return grpc;
  } catch (error) {
    await Promise.resolve(app.close()).catch(() => undefined);
    await grpc?.close();
    await tasks.close();
    if (error instanceof ConfigurationError) throw error;
    throw new ConfigurationError(
      `serveAgent could not listen on ${host}:${config.port ?? 0}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error, context: { agentId: config.card.identity.id } },
    );
  }
}

/** The interfaces the card lists: v1.0 JSON-RPC and HTTP+JSON (and gRPC), plus v0.3 copies when legacy. */
function servedInterfaces(url: string, grpc: GrpcBinding | undefined, legacy: boolean) {
  const v1 = [
    {
      url: `${url}${JSONRPC_PATH}`,
      protocolBinding: "JSONRPC",
      protocolVersion: A2A_PROTOCOL_VERSION,
      tenant: "",
    },
    {
      url: `${url}${REST_PATH}`,
      protocolBinding: "HTTP+JSON",
      protocolVersion: A2A_PROTOCOL_VERSION,
      tenant: "",
    },
    ...(grpc
      ? [{ url: grpc.target, protocolBinding: "GRPC", protocolVersion: A2A_PROTOCOL_VERSION, tenant: "" }]
      : []),
  ];
  return legacy ? duplicateInterfacesForLegacy(v1, ["JSONRPC", "HTTP+JSON"]) : v1;
}

/** Closes a served agent: running handlers end, open responses get a grace period, then all is cut. */
async function shutDown(parts: {
  executor: OmniforgeAgentExecutor;
  drain: () => Promise<void>;
  app: AgentApp;
  grpc: GrpcBinding | undefined;
  tasks: AgentTaskStore;
  logger: Logger | undefined;
  url: string;
}): Promise<void> {
  // Running handlers end now (their tasks end FAILED and their streams close) ...
  parts.executor.shutdown();
  let grace: NodeJS.Timeout | undefined;
  await Promise.race([
    parts.drain(),
    new Promise<void>((resolve) => {
      grace = setTimeout(resolve, DEFAULT_CLOSE_GRACE_MS);
    }),
  ]);
  clearTimeout(grace);
  // ... then whatever is left (idle keep-alive sockets, stuck responses) is cut.
  const closed = parts.app.close();
  parts.app.server.closeAllConnections();
  await Promise.all([closed, parts.grpc?.close()]);
  await parts.tasks.close();
  parts.logger?.info({ url: parts.url }, "agent closed");
}
