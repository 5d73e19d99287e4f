/**
 * Card resolution: an agent's A2A card read from `{endpoint}/.well-known/agent-card.json` (or the
 * legacy `/.well-known/agent.json`), a v0.3 card translated to the v1.0 shape by the SDK's compat
 * layer, the interfaces it offers that this client speaks, the one to use, and its transport.
 */
import { AgentCard as A2AAgentCardCodec } from "@a2a-js/sdk";
import { isLegacyAgentCard, parseLegacyAgentCard } from "@a2a-js/sdk/compat/v0_3/client";
import { isIP } from "node:net";
import type { AgentAuth, AgentCard } from "../agent-card.js";
import { AgentError, ErrorCode } from "../../errors.js";
import { NetworkPolicyError, type NetworkPolicy } from "../../security/network-policy.js";
import {
  A2A_PROTOCOL_VERSION,
  AGENT_CARD_PATH,
  LEGACY_AGENT_CARD_PATH,
  CARD_LIST_LIMITS,
  MAX_CARD_BYTES,
} from "../defaults.js";
import { isObject } from "../wire.js";
import { discardBody, type CallScope } from "./call-scope.js";
import { httpError, readLimited, type AgentHttp } from "./http.js";
import {
  A2ABinding,
  A2AProtocolVersion,
  chooseInterface,
  describeInterface,
  interfacesOf,
  type AgentInterface,
  type InterfacePreference,
} from "./interfaces.js";
import { JsonRpcTransport } from "./transports/jsonrpc.js";
import { parseGrpcTarget, sdkTransportFor } from "./transports/sdk.js";
import type { A2ATransport } from "./transports/transport.js";
import type { RemoteAgentCard } from "./types.js";

/** An agent whose card was read: what it offers, what was chosen, and how to call it. */
export interface ResolvedAgent {
  readonly card: RemoteAgentCard;
  readonly offered: readonly AgentInterface[];
  readonly chosen: AgentInterface;
  readonly transport: A2ATransport;
  /** Credentials go only to the host the caller configured, never to one a card names. */
  readonly sendAuth: boolean;
  readonly expiresAt: number;
  /** The card's size as read (what the cache counts). */
  readonly cardBytes: number;
}

/** What resolution needs from the client. */
export interface ResolveDeps {
  http: AgentHttp;
  policy: NetworkPolicy;
  preference: readonly InterfacePreference[];
  grpcTls: boolean | "auto";
  cardTtlMs: number;
  maxResponseBytes: number;
}

/** Reads, checks and resolves the agent at `endpoint` (our card), through one scoped call. */
export async function resolveAgent(
  card: AgentCard,
  endpoint: string,
  preference: readonly InterfacePreference[],
  scope: CallScope,
  deps: ResolveDeps,
): Promise<ResolvedAgent> {
  const base = deps.policy.checkUrl(`${endpoint}${AGENT_CARD_PATH}`);
  const invalid = (message: string, extra: Record<string, unknown> = {}, cause?: unknown): AgentError =>
    new AgentError(ErrorCode.AGENT_CARD_INVALID, `Agent ${scope.agentId}: ${message} (${base.href})`, {
      cause,
      context: { agentId: scope.agentId, ...extra },
    });
  const { remote, bytes } = await fetchCard(base, card.service?.auth, scope, deps, invalid);
  const offered = interfacesOf(remote);
  if (offered.length === 0) {
    const declared = remote.supportedInterfaces.map(
      (i) => `${i.protocolBinding}/${i.protocolVersion || "?"}`,
    );
    throw invalid(
      `A2A card lists no interface this client speaks (JSONRPC, HTTP+JSON or GRPC at protocol 1.0, or JSONRPC or HTTP+JSON at 0.3)${declared.length > 0 ? `; it lists ${declared.join(", ")}` : ""}`,
    );
  }
  const chosen = chooseInterface(offered, preference);
  if (chosen === undefined) {
    throw invalid(
      `A2A card offers ${offered.map(describeInterface).join(", ")}, none of the preferred ${preference
        .map((p) => (p.version ? `${p.binding}/${p.version}` : p.binding))
        .join(", ")}`,
    );
  }
  const { entry, host } = checkInterface(chosen, endpoint, deps.policy, invalid);
  const transport =
    entry.binding === A2ABinding.JSONRPC && entry.version === A2AProtocolVersion.V1_0
      ? new JsonRpcTransport(deps.http, new URL(entry.url))
      : await sdkTransportFor(entry, {
          http: deps.http,
          card: remote,
          policy: deps.policy,
          grpcTls: deps.grpcTls,
          maxResponseBytes: deps.maxResponseBytes,
        });
  return {
    card: remote,
    offered,
    chosen: entry,
    transport,
    sendAuth: credentialsMayGo(entry, host, new URL(endpoint), transport),
    expiresAt: Date.now() + deps.cardTtlMs,
    cardBytes: bytes,
  };
}

/** The card at `{endpoint}/.well-known/agent-card.json`, else at the legacy `agent.json`. */
async function fetchCard(
  url: URL,
  auth: AgentAuth | undefined,
  scope: CallScope,
  deps: ResolveDeps,
  invalid: (message: string, extra?: Record<string, unknown>, cause?: unknown) => AgentError,
): Promise<{ remote: RemoteAgentCard; bytes: number }> {
  const headers: Record<string, string> = { accept: "application/json", "a2a-version": A2A_PROTOCOL_VERSION };
  setAuth(headers, auth);
  let response = await deps.http.request(url, { method: "GET", headers, scope });
  if (response.statusCode === 404) {
    discardBody(response.body);
    const legacy = new URL(url.href.slice(0, -AGENT_CARD_PATH.length) + LEGACY_AGENT_CARD_PATH);
    response = await deps.http.request(legacy, { method: "GET", headers, scope });
  }
  if (response.statusCode >= 500) throw await httpError(response, scope.agentId);
  if (response.statusCode < 200 || response.statusCode > 299) {
    discardBody(response.body);
    throw invalid(`A2A card not available (HTTP ${response.statusCode})`, {
      httpStatus: response.statusCode,
    });
  }
  const text = await readLimited(response, Math.min(deps.maxResponseBytes, MAX_CARD_BYTES));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid("A2A card is not valid JSON", {}, error);
  }
  if (!isObject(json)) throw invalid("A2A card is not a JSON object");
  trimCard(json);
  const shape = jsonShape(json);
  if (shape.depth > MAX_CARD_DEPTH) throw invalid(`A2A card nests deeper than ${MAX_CARD_DEPTH} levels`);
  try {
    // A v0.3 card (url, preferredTransport, additionalInterfaces) is translated; its interfaces
    // are stamped with its protocolVersion.
    const remote = isLegacyAgentCard(json) ? parseLegacyAgentCard(json) : A2AAgentCardCodec.fromJSON(json);
    // What the decoded card may weigh: its text, plus a generous allowance per JSON value (an
    // empty `{}` costs 2 bytes of text and tens of bytes once decoded).
    return { remote, bytes: Buffer.byteLength(text) + shape.values * BYTES_PER_DECODED_VALUE };
  } catch (error) {
    throw invalid("A2A card cannot be decoded", {}, error);
  }
}

/** Cards do not nest deeper than this (a free-form `params` object might, a little). */
const MAX_CARD_DEPTH = 64;
/** The memory a decoded card is charged per JSON value it holds, for the cache's byte bound. */
const BYTES_PER_DECODED_VALUE = 128;

/** How many values a parsed JSON document holds and how deep it nests (iteratively: no recursion). */
function jsonShape(root: unknown): { values: number; depth: number } {
  let values = 0;
  let depth = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, level] = stack.pop()!;
    values += 1;
    if (level > depth) depth = level;
    if (level > MAX_CARD_DEPTH) break;
    if (Array.isArray(value)) for (const item of value) stack.push([item, level + 1]);
    else if (isObject(value)) for (const key in value) stack.push([value[key], level + 1]);
  }
  return { values, depth };
}

/**
 * Cuts a card's lists to what a client can use before it is decoded and kept: a card is the
 * agent's word, and a hostile one could otherwise fill the cache with thousands of skills.
 * Signatures are dropped (the client does not verify them).
 */
function trimCard(json: Record<string, unknown>): void {
  const cut = (owner: unknown, field: string, limit: number): void => {
    if (isObject(owner) && Array.isArray(owner[field]) && owner[field].length > limit)
      owner[field] = owner[field].slice(0, limit);
  };
  cut(json, "skills", CARD_LIST_LIMITS.skills);
  cut(json, "supportedInterfaces", CARD_LIST_LIMITS.interfaces);
  cut(json, "additionalInterfaces", CARD_LIST_LIMITS.interfaces);
  cut(json.capabilities, "extensions", CARD_LIST_LIMITS.extensions);
  delete json.signatures;
}

/**
 * The chosen interface with its URL resolved against the endpoint and checked: http(s) (or a gRPC
 * `host:port`), and not an address the network policy refuses outright. Returns its host.
 */
function checkInterface(
  chosen: AgentInterface,
  endpoint: string,
  policy: NetworkPolicy,
  invalid: (message: string, extra?: Record<string, unknown>, cause?: unknown) => AgentError,
): { entry: AgentInterface; host: string } {
  const refused = (error: unknown) => {
    const reason = error instanceof NetworkPolicyError ? error.reason : "invalid";
    return invalid(`A2A card interface URL is refused by the outbound network policy (${reason})`, {}, error);
  };
  if (chosen.binding === A2ABinding.GRPC) {
    let target: { host: string; port: number };
    try {
      target = parseGrpcTarget(chosen.url);
    } catch (error) {
      throw invalid(`A2A card gRPC target ${JSON.stringify(chosen.url)} is not host:port`, {}, error);
    }
    // Literal addresses are refused here; names are checked on their addresses when dialled.
    const literal =
      isIP(target.host) !== 0 ? target.host : target.host === "localhost" ? "127.0.0.1" : undefined;
    if (literal !== undefined) {
      const verdict = policy.checkAddress(literal, target.port);
      if (!verdict.allowed) throw refused(new NetworkPolicyError("refused", verdict.reason));
    }
    return { entry: chosen, host: target.host.toLowerCase() };
  }
  let url: URL;
  try {
    url = new URL(chosen.url, `${endpoint}/`);
  } catch (error) {
    throw invalid(`A2A card interface URL ${JSON.stringify(chosen.url)} is not a URL`, {}, error);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw invalid(`A2A card interface URL ${url.href} is not http(s)`);
  }
  try {
    // The card is the agent's word: it may not send us to an address the policy refuses.
    policy.checkUrl(url);
  } catch (error) {
    throw refused(error);
  }
  return { entry: { ...chosen, url: url.href }, host: url.hostname.toLowerCase() };
}

/**
 * Whether the agent's credentials may go to the chosen interface: an HTTP interface at the origin
 * the caller configured (scheme, host and port: not another port of the host, not http under an
 * https endpoint); a gRPC interface on the same host, over TLS when the endpoint is https.
 */
function credentialsMayGo(
  entry: AgentInterface,
  host: string,
  endpoint: URL,
  transport: A2ATransport,
): boolean {
  if (entry.binding !== A2ABinding.GRPC) return new URL(entry.url).origin === endpoint.origin;
  if (host !== endpoint.hostname.toLowerCase().replace(/^\[|\]$/g, "")) return false;
  return endpoint.protocol === "http:" || transport.secure === true;
}

/** Puts an agent's credentials in request headers. */
export function setAuth(headers: Record<string, string>, auth: AgentAuth | undefined): void {
  if (auth === undefined) return;
  if (auth.type === "bearer") headers.authorization = `Bearer ${auth.token}`;
  else headers[(auth.header ?? "x-api-key").toLowerCase()] = auth.key;
}
