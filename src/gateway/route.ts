/**
 * The route helper: one declarative spec per route (method, path, operation, zod schemas for
 * params/query/body, the success response) and one function that registers it. Registration
 * adds the policy check before the body is read, validates every request part with zod (400
 * naming the field), hands the handler typed values plus an AbortSignal that fires when the
 * client goes away, and sends the result. The OpenAPI document is generated from the same specs.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import { AbortedError, ValidationError } from "../errors.js";
import type { ApiKeyPrincipal } from "../security/api-keys.js";
import { requirePrincipal } from "./auth.js";
import { OPERATION_POLICIES, authorize, type OperationId } from "./route-policy.js";

/** What a handler receives: validated request parts and the caller. */
export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The authenticated caller (only read it on routes that are not public). */
  readonly principal: ApiKeyPrincipal;
  /** Fires when the client disconnects before the response is complete. */
  readonly signal: AbortSignal;
  request: FastifyRequest;
  reply: FastifyReply;
}

/** How a route's success response is documented. */
export interface RouteResponse {
  status: number;
  description: string;
  /** The JSON body (omitted: no body). */
  schema?: z.ZodType;
  /** Non-JSON media types this route can also answer with (e.g. `text/event-stream`). */
  alternatives?: Readonly<Record<string, { description: string; example?: string }>>;
  /** Non-JSON primary media type (e.g. `text/html`). */
  mediaType?: string;
}

/** One route. */
export interface RouteSpec<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Fastify path syntax, e.g. `/v1/threads/:threadId`. */
  url: string;
  /** The operationId; also selects the access policy. */
  operation: OperationId;
  tag: string;
  summary: string;
  description?: string;
  params?: P;
  query?: Q;
  body?: B;
  response: RouteResponse;
  /** Error statuses this route may answer with, besides 401/403/429/500 (documented). */
  errors?: readonly number[];
  handle(context: RouteContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<unknown>;
}

/** Declares a route with inferred handler types. */
export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec<P, Q, B> {
  return spec;
}

/** `fields` without the absent ones (optional query fields a request left out), so the service's defaults apply. */
export function presentFields<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** True when the route needs an API key. */
export function isProtected(spec: RouteSpec): boolean {
  return OPERATION_POLICIES[spec.operation].kind !== "public";
}

/** Registers `spec` on `app` (which carries the auth hook when the route is protected). */
export function registerRoute(app: FastifyInstance, spec: RouteSpec): void {
  const guarded = isProtected(spec);
  app.route({
    method: spec.method,
    url: spec.url,
    ...(guarded ? {} : { config: { rateLimit: false } }),
    // The policy is checked before the body is read: a denied caller gets 403, not a parse error.
    ...(guarded
      ? {
          preParsing: async (request: FastifyRequest, _reply: FastifyReply, payload: unknown) => {
            authorize(requirePrincipal(request), spec.operation);
            return payload;
          },
        }
      : {}),
    handler: async (request, reply) => {
      const context: RouteContext<unknown, unknown, unknown> = {
        params: parsePart(spec.params, request.params, "params"),
        query: parsePart(spec.query, request.query, "query"),
        // A route whose body fields are all optional may be called without a body.
        body: parsePart(spec.body, request.body ?? {}, "body"),
        get principal() {
          return requirePrincipal(request);
        },
        signal: disconnectSignal(reply),
        request,
        reply,
      };
      const result = await spec.handle(context);
      if (reply.sent) return reply;
      if (result === undefined) return reply.code(204).send();
      return reply.code(spec.response.status).send(result);
    },
  });
}

/**
 * Validates one request part; the error names the field (`message`, `agentIds[1]`, `limit`) and
 * says what is wrong with it: missing, of the wrong type, malformed, or (query) given twice.
 */
export function parsePart(schema: z.ZodType | undefined, value: unknown, part: string): unknown {
  if (!schema) return undefined;
  if (part === "query" && value !== null && typeof value === "object") {
    // `?limit=1&limit=2` arrives as an array: say so, rather than "must be a number".
    for (const [name, entry] of Object.entries(value)) {
      if (Array.isArray(entry)) throw new ValidationError(name, "must be given once");
    }
  }
  // reportInput: the issue carries the offending value, so "missing" and "wrong type" can be told apart.
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new ValidationError(part, "is invalid");
  let path = issue.path;
  if (issue.code === "unrecognized_keys" && issue.keys[0] !== undefined) {
    path = [...path, issue.keys[0]];
  }
  const field = formatPath(path) || part;
  const message =
    issue.code === "unrecognized_keys"
      ? "is not a known field"
      : issue.code === "invalid_type" && issue.input === undefined
        ? "is required"
        : issue.message;
  throw new ValidationError(field, message);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** A signal that fires when the client closes the connection before the response finished. */
function disconnectSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const raw = reply.raw;
  const onClose = () => {
    if (!raw.writableFinished) controller.abort(new AbortedError("Client disconnected"));
  };
  raw.once("close", onClose);
  return controller.signal;
}
