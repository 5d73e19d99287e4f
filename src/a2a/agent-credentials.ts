/**
 * Agent credentials at rest: an {@link AgentAuth} sealed with the keyring, bound to the place it
 * is stored, and opened (and validated) again when a call needs it.
 */
import { agentAuthSchema, type AgentAuth, type AgentCard } from "./agent-card.js";
import { ConfigurationError, ErrorCode, StorageError } from "../errors.js";
import {
  SECRET_KEY_ENV,
  SECRET_KEY_FILE_ENV,
  type SealedSecret,
  type SecretKeyring,
} from "../security/secret-keyring.js";

/** Associated data binding sealed credentials to one tenant's directory entry. */
export function directoryCredentialsContext(tenantId: string, agentId: string): string {
  return JSON.stringify(["omniforge:directory-agent:v1", tenantId, agentId]);
}

/** Associated data binding sealed credentials to one handoff session. */
export function handoffCredentialsContext(tenantId: string, handoffId: string): string {
  return JSON.stringify(["omniforge:handoff-target:v1", tenantId, handoffId]);
}

/** Seals `auth`; without a keyring this is a ConfigurationError explaining how to configure one. */
export function sealAgentAuth(
  keyring: SecretKeyring | undefined,
  auth: AgentAuth,
  context: string,
  what: string,
): SealedSecret {
  if (keyring === undefined) {
    throw new ConfigurationError(
      `${what} has credentials, which are only stored encrypted: set ${SECRET_KEY_ENV} (or ${SECRET_KEY_FILE_ENV}) ` +
        "or pass a SecretKeyring — generate a key with `omniforge secrets generate`",
      { context: { field: "secrets" } },
    );
  }
  return keyring.seal(JSON.stringify(auth), context);
}

/** Opens and validates sealed credentials. */
export function openAgentAuth(
  keyring: SecretKeyring | undefined,
  sealed: SealedSecret,
  context: string,
): AgentAuth {
  if (keyring === undefined) {
    throw new ConfigurationError(
      `Stored agent credentials are encrypted and no key is configured: set ${SECRET_KEY_ENV} (or ${SECRET_KEY_FILE_ENV})`,
      { context: { field: "secrets", keyId: sealed.keyId } },
    );
  }
  const parsed = agentAuthSchema.safeParse(JSON.parse(keyring.open(sealed, context)));
  if (!parsed.success) {
    throw new StorageError(ErrorCode.STORAGE_ERROR, "Stored agent credentials are not valid", {
      context: { keyId: sealed.keyId },
    });
  }
  return parsed.data as AgentAuth;
}

/** The card without `service.auth`: what is stored in clear and what anyone may see. */
export function withoutCredentials(card: AgentCard): AgentCard {
  if (!card.service?.auth) return card;
  const { auth: _auth, ...service } = card.service;
  return { ...card, service };
}

/** The card with `auth` attached to its service. */
export function withCredentials(card: AgentCard, auth: AgentAuth | undefined): AgentCard {
  if (auth === undefined || !card.service) return card;
  return { ...card, service: { ...card.service, auth } };
}
