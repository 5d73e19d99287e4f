/** An `A2AClientConfig` checked and completed with the defaults: what an `A2AClient` runs with. */
import { configNumber } from "../../validation.js";
import { ConfigurationError } from "../../errors.js";
import {
  DEFAULT_CARD_CACHE_BYTES,
  DEFAULT_CARD_CACHE_SIZE,
  DEFAULT_CARD_TTL_MS,
  DEFAULT_CONNECTIONS_PER_ORIGIN,
  DEFAULT_MAX_REPLY_BYTES,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
} from "../defaults.js";
import { isObject } from "../wire.js";
import {
  DEFAULT_INTERFACE_PREFERENCE,
  parseInterfacePreference,
  type InterfacePreference,
} from "./interfaces.js";
import type { A2AClientConfig } from "./types.js";

export interface ClientSettings {
  readonly cardTtlMs: number;
  readonly maxResponseBytes: number;
  readonly maxReplyBytes: number;
  readonly cardCacheSize: number;
  readonly cardCacheBytes: number;
  readonly defaultTimeoutMs: number;
  readonly connections: number;
  readonly preference: readonly InterfacePreference[];
  readonly grpcTls: boolean | "auto";
}

function positive(value: number | undefined, fallback: number, field: string, integer = false): number {
  if (value === undefined) return fallback;
  return configNumber(
    value,
    integer ? "positiveInteger" : "positiveNumber",
    field,
    `A2AClientConfig.${field}`,
  );
}

function preferenceOf(value: A2AClientConfig["interfacePreference"]): readonly InterfacePreference[] {
  if (value === undefined) return DEFAULT_INTERFACE_PREFERENCE;
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigurationError("A2AClientConfig.interfacePreference must be a non-empty array", {
      context: { field: "interfacePreference" },
    });
  }
  // Validated the same way as the string form, so a typo is named rather than ignored.
  return Object.freeze(
    parseInterfacePreference(
      value.map((entry: InterfacePreference) =>
        isObject(entry)
          ? `${String(entry.binding)}${entry.version ? `/${String(entry.version)}` : ""}`
          : String(entry),
      ),
      "A2AClientConfig.interfacePreference",
    ),
  );
}

/** The settings `config` asks for (frozen); a field out of range is a ConfigurationError naming it. */
export function clientSettings(config: A2AClientConfig): ClientSettings {
  const grpcTls = config.grpcTls ?? "auto";
  if (grpcTls !== true && grpcTls !== false && grpcTls !== "auto") {
    throw new ConfigurationError('A2AClientConfig.grpcTls must be true, false or "auto"', {
      context: { field: "grpcTls" },
    });
  }
  return Object.freeze({
    cardTtlMs: positive(config.cardTtlMs, DEFAULT_CARD_TTL_MS, "cardTtlMs"),
    maxResponseBytes: positive(config.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES, "maxResponseBytes", true),
    maxReplyBytes: positive(config.maxReplyBytes, DEFAULT_MAX_REPLY_BYTES, "maxReplyBytes", true),
    defaultTimeoutMs: positive(config.defaultTimeoutMs, DEFAULT_TIMEOUT_MS, "defaultTimeoutMs"),
    connections: positive(config.connections, DEFAULT_CONNECTIONS_PER_ORIGIN, "connections", true),
    cardCacheSize: positive(config.cardCacheSize, DEFAULT_CARD_CACHE_SIZE, "cardCacheSize", true),
    cardCacheBytes: positive(config.cardCacheBytes, DEFAULT_CARD_CACHE_BYTES, "cardCacheBytes", true),
    preference: preferenceOf(config.interfacePreference),
    grpcTls,
  });
}
