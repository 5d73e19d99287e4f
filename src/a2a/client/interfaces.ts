/**
 * The interfaces an agent offers (binding + protocol version + URL), read from its A2A card, and
 * the choice among them: the first interface, in preference order, that the client speaks.
 */
import type { AgentCard as A2AAgentCard } from "@a2a-js/sdk";
import { ConfigurationError } from "../../errors.js";

/** The transport bindings of A2A. */
export const A2ABinding = {
  JSONRPC: "JSONRPC",
  HTTP_JSON: "HTTP+JSON",
  GRPC: "GRPC",
} as const;
export type A2ABinding = (typeof A2ABinding)[keyof typeof A2ABinding];

/** The protocol versions OmniForge speaks, as major.minor. */
export const A2AProtocolVersion = { V1_0: "1.0", V0_3: "0.3" } as const;
export type A2AProtocolVersion = (typeof A2AProtocolVersion)[keyof typeof A2AProtocolVersion];

/** One interface of an agent: how to reach it. */
export interface AgentInterface {
  binding: A2ABinding;
  version: A2AProtocolVersion;
  /** An http(s) URL, or for gRPC a `host:port` target. */
  url: string;
}

/** One entry of a preference order: a binding, and optionally the version (both otherwise). */
export interface InterfacePreference {
  binding: A2ABinding;
  version?: A2AProtocolVersion;
}

/** v1.0 before v0.3; within a version JSON-RPC, then HTTP+JSON, then gRPC. */
export const DEFAULT_INTERFACE_PREFERENCE: readonly InterfacePreference[] = Object.freeze([
  { binding: A2ABinding.JSONRPC, version: A2AProtocolVersion.V1_0 },
  { binding: A2ABinding.HTTP_JSON, version: A2AProtocolVersion.V1_0 },
  { binding: A2ABinding.GRPC, version: A2AProtocolVersion.V1_0 },
  { binding: A2ABinding.JSONRPC, version: A2AProtocolVersion.V0_3 },
  { binding: A2ABinding.HTTP_JSON, version: A2AProtocolVersion.V0_3 },
]);

/** What this client can speak. */
const SPOKEN: ReadonlySet<string> = new Set(
  DEFAULT_INTERFACE_PREFERENCE.map((p) => key(p.binding, p.version!)),
);

const BINDINGS: ReadonlySet<string> = new Set(Object.values(A2ABinding));

function key(binding: string, version: string): string {
  return `${binding}/${version}`;
}

/**
 * A protocol version string as major.minor: `1`, `1.0`, `1.0.0` and `v1.0` are "1.0"; `0.3.0` is
 * "0.3"; anything else (an unknown or unsupported version) is undefined.
 */
export function protocolVersionOf(text: string | undefined): A2AProtocolVersion | undefined {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.\d+)*(?:[-+].*)?$/i.exec((text ?? "").trim());
  if (!match) return undefined;
  const version = `${Number(match[1])}.${Number(match[2] ?? 0)}`;
  return version === "1.0" || version === "0.3" ? version : undefined;
}

/** The interfaces a (v1.0-shaped) card declares that this client can speak, in the card's order. */
export function interfacesOf(card: A2AAgentCard): AgentInterface[] {
  const found: AgentInterface[] = [];
  for (const entry of card.supportedInterfaces) {
    const binding = entry.protocolBinding.toUpperCase();
    const version = protocolVersionOf(entry.protocolVersion);
    if (!BINDINGS.has(binding) || version === undefined || entry.url.trim() === "") continue;
    if (!SPOKEN.has(key(binding, version))) continue;
    found.push({ binding: binding as A2ABinding, version, url: entry.url.trim() });
  }
  return found;
}

/**
 * The interface to use: the first of `preference` the agent offers (versions compared on
 * major.minor); among several of one kind, the card's own order decides.
 */
export function chooseInterface(
  offered: readonly AgentInterface[],
  preference: readonly InterfacePreference[] = DEFAULT_INTERFACE_PREFERENCE,
): AgentInterface | undefined {
  for (const wanted of preference) {
    const match = offered.find(
      (entry) =>
        entry.binding === wanted.binding &&
        (wanted.version === undefined || entry.version === wanted.version),
    );
    if (match) return match;
  }
  return undefined;
}

/**
 * Parses a preference written as strings (`"JSONRPC"`, `"HTTP+JSON/0.3"`, `"grpc@1.0"`), e.g. from
 * configuration. A bad entry is a ConfigurationError naming it.
 */
export function parseInterfacePreference(
  entries: readonly string[],
  field = "interfacePreference",
): InterfacePreference[] {
  return entries.map((entry, index) => {
    const match = /^\s*([A-Za-z+]+)\s*(?:[/@]\s*([\d.v]+))?\s*$/.exec(entry);
    const binding = match?.[1]?.toUpperCase().replace(/^REST$/, "HTTP+JSON");
    const version = match?.[2] === undefined ? undefined : protocolVersionOf(match[2]);
    if (!match || !binding || !BINDINGS.has(binding) || (match[2] !== undefined && version === undefined)) {
      throw new ConfigurationError(
        `${field}[${index}]: ${JSON.stringify(entry)} is not a binding (JSONRPC, HTTP+JSON, GRPC) optionally with /1.0 or /0.3`,
        { context: { field: `${field}[${index}]` } },
      );
    }
    return { binding: binding as A2ABinding, ...(version ? { version } : {}) };
  });
}

/** "JSONRPC/1.0". */
export function describeInterface(entry: Pick<AgentInterface, "binding" | "version">): string {
  return key(entry.binding, entry.version);
}
