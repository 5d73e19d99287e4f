/**
 * The outbound network policy for agent URLs: which addresses OmniForge may open a connection to.
 *
 * By default only public unicast addresses are reachable. Loopback, private (RFC 1918), link-local,
 * carrier-grade NAT, multicast, unspecified, broadcast, reserved, IPv6 unique-local/link-local and
 * cloud metadata addresses are refused — also when they hide inside an IPv4-mapped, NAT64 or 6to4
 * IPv6 address, and also when a harmless-looking host name resolves to them. The check runs on the
 * resolved address at connect time ({@link NetworkPolicy.connector}), and the connection is opened
 * to exactly the address that was checked, so DNS rebinding between check and connect cannot slip
 * through. An operator allow-list names what may be reached anyway.
 *
 * Allow-list entries (`allow`):
 * - a range name: `loopback`, `private`, `link-local`, `cgnat`, `unique-local`;
 * - a CIDR block: `10.0.0.0/8`, `fd00::/8`;
 * - an address, optionally with a port: `127.0.0.1`, `127.0.0.1:8001`, `[::1]:8001`;
 * - a host name, optionally with a port: `agents.internal`, `*.svc.cluster.local`,
 *   `knowledge.internal:8001` (the name is trusted: its addresses are not checked);
 * - `any`: no restriction at all (for development only).
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { buildConnector } from "undici";
import { ConfigurationError } from "../errors.js";

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** One resolved address. */
export interface ResolvedAddress {
  address: string;
  /** 4 or 6. */
  family: number;
}

/** Resolves a host name to its addresses (injectable for tests). */
export type HostResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** Construction input of {@link NetworkPolicy}. */
export interface NetworkPolicyConfig {
  /** What may be reached although the default rules refuse it (see the module doc). */
  allow?: readonly string[];
  /** How host names are resolved. Default: the system resolver (`dns.lookup`, all addresses). */
  resolve?: HostResolver;
}

/** Why the policy refused a URL or an address. Carries no port state: it is decided before connecting. */
export class NetworkPolicyError extends Error {
  /** A stable code, so transport error mapping can recognise a refusal. */
  readonly code = "OMNIFORGE_NETWORK_POLICY";
  constructor(
    message: string,
    /** The class of address refused (`loopback`, `private`, `metadata`, ...) or the URL problem. */
    readonly reason: string,
  ) {
    super(message);
    this.name = "NetworkPolicyError";
  }
}

/** Address classes the allow-list may name. */
const RANGE_NAMES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  loopback: ["127.0.0.0/8", "::1/128"],
  private: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
  "link-local": ["169.254.0.0/16", "fe80::/10"],
  cgnat: ["100.64.0.0/10"],
  "unique-local": ["fc00::/7"],
});

/**
 * Instance metadata services. Some are public unicast (Azure's wire server), so they are refused
 * by name here, and a CIDR entry that happens to contain one does not unlock it: only an entry
 * naming the exact address does.
 */
const METADATA_ADDRESSES: readonly string[] = Object.freeze([
  "169.254.169.254",
  "169.254.170.2",
  "169.254.169.123",
  "168.63.129.16",
  "100.100.100.200",
  "192.0.0.192",
  "fd00:ec2::254",
]);
const METADATA = new Set(METADATA_ADDRESSES.map((a) => ipaddr.parse(a).toNormalizedString()));

interface CidrEntry {
  kind: "cidr";
  range: [Address, number];
  port?: number;
  /** A single address (/32, /128): the only way to unlock a metadata address. */
  exact: boolean;
}
interface HostEntry {
  kind: "host";
  /** Lower case; a leading `*.` matches any subdomain (not the bare domain). */
  pattern: string;
  port?: number;
}
type AllowEntry = CidrEntry | HostEntry;

/** The outcome of checking one address. */
export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

const defaultResolve: HostResolver = async (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * Decides which agent URLs and addresses may be reached.
 *
 * ```ts
 * const policy = new NetworkPolicy({ allow: ["10.20.0.0/16", "*.agents.internal"] });
 * policy.checkUrl("http://127.0.0.1:5432"); // NetworkPolicyError (loopback)
 * ```
 */
export class NetworkPolicy {
  /** Reaches everything; for tests and local development only. */
  static unrestricted(): NetworkPolicy {
    return new NetworkPolicy({ allow: ["any"] });
  }

  readonly allow: readonly string[];
  readonly unrestricted: boolean;
  readonly #entries: readonly AllowEntry[];
  readonly #resolve: HostResolver;

  constructor(config: NetworkPolicyConfig = {}) {
    const allow = config.allow ?? [];
    if (!Array.isArray(allow)) {
      throw new ConfigurationError("network.allow must be an array of strings", {
        context: { field: "network.allow" },
      });
    }
    this.allow = Object.freeze([...allow]);
    this.unrestricted = allow.some((entry) => typeof entry === "string" && entry.trim() === "any");
    this.#entries = allow.flatMap((entry, index) => parseEntry(entry, `network.allow[${index}]`));
    this.#resolve = config.resolve ?? defaultResolve;
  }

  /** A policy that also allows `entries` (e.g. the exact `host:port` of agents the operator started). */
  extend(entries: readonly string[]): NetworkPolicy {
    return new NetworkPolicy({ allow: [...this.allow, ...entries], resolve: this.#resolve });
  }

  /**
   * Checks what can be decided without connecting: the scheme, credentials in the URL, and a
   * literal address (or `localhost`). Throws {@link NetworkPolicyError}; host names pass here and
   * are checked on their resolved addresses at connect time.
   */
  checkUrl(value: string | URL): URL {
    let url: URL;
    try {
      url = typeof value === "string" ? new URL(value) : value;
    } catch {
      throw new NetworkPolicyError("the URL is not a valid absolute URL", "invalid-url");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new NetworkPolicyError("only http and https URLs may be reached", "scheme");
    }
    if (url.username !== "" || url.password !== "") {
      throw new NetworkPolicyError("URLs with credentials (user:password@) are refused", "credentials");
    }
    if (this.unrestricted) return url;
    const hostname = bareHost(url.hostname);
    const port = portOf(url);
    if (this.#hostAllowed(hostname, port)) return url;
    if (isIP(hostname) !== 0) {
      const verdict = this.checkAddress(hostname, port);
      if (!verdict.allowed) throw refusal(verdict.reason);
    } else if (hostname === "localhost" || hostname.endsWith(".localhost")) {
      // Resolves to loopback everywhere; refused up front for a clearer error.
      if (!this.checkAddress("127.0.0.1", port).allowed) throw refusal("loopback");
    }
    return url;
  }

  /** Whether `address` (an IPv4 or IPv6 literal) may be reached on `port`. */
  checkAddress(address: string, port: number): AddressVerdict {
    if (this.unrestricted) return { allowed: true };
    let parsed: Address;
    try {
      parsed = ipaddr.parse(bareHost(address));
    } catch {
      return { allowed: false, reason: "invalid-address" };
    }
    const normalized = parsed.toNormalizedString();
    const embedded = embeddedIPv4(parsed);
    for (const entry of this.#entries) {
      if (entry.kind !== "cidr" || (entry.port !== undefined && entry.port !== port)) continue;
      const candidates = embedded ? [parsed, embedded] : [parsed];
      for (const candidate of candidates) {
        if (candidate.kind() !== entry.range[0].kind() || !candidate.match(entry.range)) continue;
        const isMetadata = METADATA.has(candidate.toNormalizedString()) || METADATA.has(normalized);
        if (!isMetadata || entry.exact) return { allowed: true };
      }
    }
    const reason = refusedClass(parsed);
    return reason === undefined ? { allowed: true } : { allowed: false, reason };
  }

  /**
   * The address to connect to for `hostname:port`: a literal is checked, a trusted host name is
   * returned as is, any other name is resolved and its first allowed address returned. Throws
   * {@link NetworkPolicyError} when nothing may be reached (and resolver errors as they are).
   */
  async resolveTarget(hostname: string, port: number): Promise<{ host: string; byName: boolean }> {
    const host = bareHost(hostname);
    if (this.unrestricted || this.#hostAllowed(host, port)) return { host, byName: true };
    if (isIP(host) !== 0) {
      const verdict = this.checkAddress(host, port);
      if (!verdict.allowed) throw refusal(verdict.reason);
      return { host, byName: false };
    }
    const addresses = await this.#resolve(host);
    let firstReason = "no-address";
    for (const { address } of addresses) {
      const verdict = this.checkAddress(address, port);
      if (verdict.allowed) return { host: address, byName: false };
      if (firstReason === "no-address") firstReason = verdict.reason;
    }
    throw refusal(firstReason);
  }

  /**
   * An undici connector that enforces this policy on every connection: it resolves and checks the
   * address, then connects to exactly that address (TLS still verifies the original host name).
   */
  connector(options: buildConnector.BuildOptions = {}): buildConnector.connector {
    const connect = buildConnector(options);
    return (target, callback) => {
      const port = Number(target.port) || (target.protocol === "https:" ? 443 : 80);
      const hostname = bareHost(target.hostname);
      this.resolveTarget(hostname, port).then(
        ({ host, byName }) => {
          if (byName) {
            connect(target, callback);
            return;
          }
          const servername = target.servername ?? (isIP(hostname) === 0 ? hostname : undefined);
          connect({ ...target, hostname: host, ...(servername ? { servername } : {}) }, callback);
        },
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), null),
      );
    };
  }

  #hostAllowed(hostname: string, port: number): boolean {
    const name = hostname.toLowerCase().replace(/\.$/, "");
    return this.#entries.some(
      (entry) =>
        entry.kind === "host" &&
        (entry.port === undefined || entry.port === port) &&
        (entry.pattern.startsWith("*.")
          ? name.endsWith(entry.pattern.slice(1)) && name.length > entry.pattern.length - 1
          : name === entry.pattern),
    );
  }
}

/**
 * The allow-list entry naming exactly one URL's `host:port` (default ports filled in): how an
 * operator lets its own agents be reached without opening their whole network.
 */
export function allowEntryFor(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigurationError(`${JSON.stringify(url)} is not an absolute URL`, {
      context: { field: "url" },
    });
  }
  const port = parsed.port || (parsed.protocol === "https:" ? "443" : "80");
  return `${parsed.hostname}:${port}`;
}

function refusal(reason: string): NetworkPolicyError {
  return new NetworkPolicyError(
    `the outbound network policy refuses ${reason} addresses; an operator can allow them explicitly`,
    reason,
  );
}

/** Why the default rules refuse `address`, or undefined when it is public unicast. */
function refusedClass(address: Address): string | undefined {
  if (METADATA.has(address.toNormalizedString())) return "metadata";
  const embedded = embeddedIPv4(address);
  if (embedded) return refusedClass(embedded) ?? undefined;
  const range = address.range();
  if (address.kind() === "ipv6" && range === "teredo") return "teredo";
  if (range === "unicast") return undefined;
  return RANGE_LABELS[range] ?? range;
}

const RANGE_LABELS: Readonly<Record<string, string>> = {
  linkLocal: "link-local",
  carrierGradeNat: "cgnat",
  uniqueLocal: "unique-local",
  private: "private",
  loopback: "loopback",
  multicast: "multicast",
  unspecified: "unspecified",
  broadcast: "broadcast",
  reserved: "reserved",
};

/** The IPv4 address an IPv6 address carries (IPv4-mapped, SIIT, NAT64, 6to4), if any. */
function embeddedIPv4(address: Address): ipaddr.IPv4 | undefined {
  if (address.kind() !== "ipv6") return undefined;
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  const p = v6.parts;
  if (range === "ipv4Mapped" || range === "rfc6145" || range === "rfc6052") {
    return new ipaddr.IPv4([p[6]! >> 8, p[6]! & 0xff, p[7]! >> 8, p[7]! & 0xff]);
  }
  if (range === "6to4") return new ipaddr.IPv4([p[1]! >> 8, p[1]! & 0xff, p[2]! >> 8, p[2]! & 0xff]);
  // ::a.b.c.d (deprecated IPv4-compatible) — treat as the IPv4 address it spells.
  if (p.slice(0, 6).every((part) => part === 0) && (p[6] !== 0 || p[7]! > 1)) {
    return new ipaddr.IPv4([p[6]! >> 8, p[6]! & 0xff, p[7]! >> 8, p[7]! & 0xff]);
  }
  return undefined;
}

function bareHost(hostname: string): string {
  return hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
}

function portOf(url: URL): number {
  return url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
}

/** Parses one allow-list entry; a bad one is a ConfigurationError naming it. */
function parseEntry(raw: unknown, field: string): AllowEntry[] {
  const bad = (why: string) =>
    new ConfigurationError(`${field}: ${JSON.stringify(raw)} ${why}`, { context: { field } });
  if (typeof raw !== "string") throw bad("is not a string");
  const entry = raw.trim().toLowerCase();
  if (entry === "") throw bad("is empty");
  if (entry === "any") return [];
  const named = RANGE_NAMES[entry];
  if (named) return named.map((cidr) => cidrEntry(cidr, undefined));
  if (entry.includes("/")) {
    if (!ipaddr.isValidCIDR(entry)) throw bad("is not a valid CIDR block");
    return [cidrEntry(entry, undefined)];
  }
  const { host, port } = splitPort(entry, bad);
  if (isIP(host) !== 0) return [cidrEntry(`${host}/${isIP(host) === 4 ? 32 : 128}`, port)];
  if (!/^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/.test(host)) {
    throw bad("is neither a range name, a CIDR block, an address nor a host name");
  }
  return [{ kind: "host", pattern: host.replace(/\.$/, ""), ...(port !== undefined ? { port } : {}) }];
}

function cidrEntry(cidr: string, port: number | undefined): CidrEntry {
  const range = ipaddr.parseCIDR(cidr);
  const bits = range[0].kind() === "ipv4" ? 32 : 128;
  return { kind: "cidr", range, exact: range[1] === bits, ...(port !== undefined ? { port } : {}) };
}

function splitPort(entry: string, bad: (why: string) => Error): { host: string; port?: number } {
  let host = entry;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
  } else if (isIP(entry) === 6) {
    host = entry;
  } else {
    const colon = entry.lastIndexOf(":");
    if (colon !== -1) {
      host = entry.slice(0, colon);
      portText = entry.slice(colon + 1);
    }
  }
  if (portText === undefined) return { host };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65_535) throw bad("has an invalid port");
  return { host, port };
}
