/**
 * The OpenAPI 3.1 document, generated from the route specs and their zod schemas
 * (`z.toJSONSchema`), so the document cannot drift from what the gateway validates.
 */
import { z } from "zod";
import { OPERATION_POLICIES, policyName, policyRoles } from "./route-policy.js";
import { isProtected, type RouteSpec } from "./route.js";
import { errorBodySchema } from "./schemas.js";

type JsonObject = Record<string, unknown>;

/** Input of {@link buildOpenApiDocument}. */
export interface OpenApiOptions {
  routes: readonly RouteSpec[];
  title?: string;
  version?: string;
}

const ERROR_RESPONSES: Readonly<Record<string, { name: string; description: string }>> = Object.freeze({
  "400": { name: "BadRequest", description: "Invalid input; `error.field` names the field" },
  "401": { name: "Unauthorized", description: "Missing, invalid or revoked API key" },
  "403": { name: "Forbidden", description: "The key's role may not do this (PERMISSION_DENIED)" },
  "404": {
    name: "NotFound",
    description: "Not found. Another tenant's thread answers exactly like a missing one (THREAD_NOT_FOUND)",
  },
  "409": { name: "Conflict", description: "Conflicts with the current state (e.g. HANDOFF_ALREADY_ACTIVE)" },
  "413": { name: "PayloadTooLarge", description: "The body exceeds the gateway's body limit" },
  "415": { name: "UnsupportedMediaType", description: "The body is not application/json" },
  "429": {
    name: "TooManyRequests",
    description: "The key exceeded its rate limit; retry after `Retry-After` seconds",
  },
  "500": { name: "InternalError", description: "Unexpected failure (no details are disclosed)" },
  "502": { name: "BadGateway", description: "An agent failed or spoke invalid A2A (AGENT_*)" },
  "503": { name: "Unavailable", description: "Not ready, or no agent available" },
  "504": { name: "GatewayTimeout", description: "An agent did not answer in time (AGENT_TIMEOUT)" },
});

/** Builds the OpenAPI 3.1 document of `routes`. */
export function buildOpenApiDocument(options: OpenApiOptions): JsonObject {
  const schemas: Record<string, unknown> = {};
  const toSchema = (schema: z.ZodType, io: "input" | "output") => jsonSchema(schema, io, schemas);
  toSchema(errorBodySchema, "output");

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of options.routes) {
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
    const guarded = isProtected(route);
    const policy = OPERATION_POLICIES[route.operation];
    const operation: JsonObject = {
      operationId: route.operation,
      tags: [route.tag],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      // Public routes opt out of the document-wide security requirement.
      ...(guarded ? {} : { security: [] }),
      "x-omniforge-access": { policy: policyName(policy), roles: policyRoles(policy) },
    };
    const parameters = [
      ...parametersOf(route.params, "path", schemas),
      ...parametersOf(route.query, "query", schemas),
    ];
    if (parameters.length > 0) operation.parameters = parameters;
    if (route.body) {
      operation.requestBody = {
        required: !route.body.safeParse({}).success,
        content: { "application/json": { schema: toSchema(route.body, "input") } },
      };
    }
    operation.responses = responsesOf(route, guarded, toSchema);
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }

  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: options.title ?? "OmniForge gateway",
      version: options.version ?? "1.0.0",
      description:
        "Threads, streamed messages, delegations, handoffs and agents of OmniForge, per tenant. " +
        "Every error is `{ error: { code, message, field?, agentId? } }`.",
    },
    tags: [...new Set(options.routes.map((route) => route.tag))].map((name) => ({ name })),
    security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description: "An OmniForge API key (`of_...`) as a bearer token",
        },
        apiKeyHeader: {
          type: "apiKey",
          in: "header",
          name: "x-api-key",
          description: "An OmniForge API key",
        },
      },
      schemas,
      responses: Object.fromEntries(
        Object.values(ERROR_RESPONSES).map(({ name, description }) => [
          name,
          {
            description,
            ...(name === "TooManyRequests"
              ? {
                  headers: { "Retry-After": { schema: { type: "integer" }, description: "Seconds to wait" } },
                }
              : {}),
            content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
          },
        ]),
      ),
    },
  };
}

function responsesOf(
  route: RouteSpec,
  guarded: boolean,
  toSchema: (schema: z.ZodType, io: "input" | "output") => unknown,
): JsonObject {
  const { response } = route;
  const content: JsonObject = {};
  if (response.schema) content["application/json"] = { schema: toSchema(response.schema, "output") };
  else if (response.mediaType) content[response.mediaType] = { schema: { type: "string" } };
  else if (response.status !== 204) content["application/json"] = { schema: { type: "object" } };
  for (const [mediaType, alternative] of Object.entries(response.alternatives ?? {})) {
    content[mediaType] = {
      schema: { type: "string", description: alternative.description },
      ...(alternative.example !== undefined ? { example: alternative.example } : {}),
    };
  }
  const responses: JsonObject = {
    [String(response.status)]: {
      description: response.description,
      ...(Object.keys(content).length > 0 ? { content } : {}),
    },
  };
  const statuses = new Set<number>(route.errors ?? []);
  if (guarded) for (const status of [401, 403, 429]) statuses.add(status);
  if (route.body) for (const status of [400, 413, 415]) statuses.add(status);
  statuses.add(500);
  for (const status of [...statuses].sort((a, b) => a - b)) {
    const known = ERROR_RESPONSES[String(status)];
    if (known) responses[String(status)] = { $ref: `#/components/responses/${known.name}` };
  }
  return responses;
}

function parametersOf(
  schema: z.ZodType | undefined,
  location: "path" | "query",
  schemas: Record<string, unknown>,
): JsonObject[] {
  if (!schema) return [];
  const object = jsonSchema(schema, "input", schemas) as {
    properties?: Record<string, JsonObject>;
    required?: string[];
  };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === "path" || (object.required ?? []).includes(name),
      ...(typeof description === "string" ? { description } : {}),
      schema: rest,
    };
  });
}

/**
 * One zod schema as JSON Schema. Named schemas (`.meta({ id })`) move to `schemas` (the
 * document's components) and are referenced from there.
 */
function jsonSchema(schema: z.ZodType, io: "input" | "output", schemas: Record<string, unknown>): unknown {
  const generated = z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
    target: "draft-2020-12",
  }) as JsonObject;
  const { $schema: _dialect, $defs, ...root } = generated;
  for (const [id, definition] of Object.entries(($defs ?? {}) as Record<string, unknown>)) {
    schemas[id] ??= rewriteRefs(definition);
  }
  return rewriteRefs(root);
}

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== "object") return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] =
      key === "$ref" && typeof child === "string" && child.startsWith("#/$defs/")
        ? `#/components/schemas/${child.slice("#/$defs/".length)}`
        : rewriteRefs(child);
  }
  return out;
}
