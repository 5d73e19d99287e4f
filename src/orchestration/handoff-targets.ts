/**
 * Which specialist a handoff talks to: a card the caller gave (kept in the session, its
 * credentials sealed) or an agent of the tenant's directory, resolved again on every turn.
 */
import type { SealedSecret, SecretKeyring } from "../security/secret-keyring.js";
import { agentEndpoint, parseAgentCard, type AgentCard } from "../a2a/agent-card.js";
import {
  handoffCredentialsContext,
  openAgentAuth,
  sealAgentAuth,
  withCredentials,
} from "../a2a/agent-credentials.js";
import { ConfigurationError, ErrorCode, HandoffError, ValidationError } from "../errors.js";
import type { AgentDirectory } from "./agent-directory.js";
import { sealedTargetCredentials, type HandoffSession } from "./handoff-store.js";

/** How the caller names the specialist: exactly one of the two. */
export interface HandoffTargetChoice {
  targetAgentCard?: AgentCard;
  targetAgentId?: string;
}

export class HandoffTargets {
  readonly #directory: AgentDirectory | undefined;
  readonly #secrets: SecretKeyring | undefined;
  readonly #onRemoved: (session: HandoffSession) => Promise<unknown>;

  constructor(deps: {
    directory: AgentDirectory | undefined;
    secrets: SecretKeyring | undefined;
    /** Ends a session whose directory agent is gone. */
    onRemoved: (session: HandoffSession) => Promise<unknown>;
  }) {
    this.#directory = deps.directory;
    this.#secrets = deps.secrets;
    this.#onRemoved = deps.onRemoved;
  }

  /** The card the caller gave, checked; undefined when it named a directory agent instead. */
  given(choice: HandoffTargetChoice): AgentCard | undefined {
    if ((choice.targetAgentCard === undefined) === (choice.targetAgentId === undefined)) {
      throw new ValidationError("targetAgentCard", "give exactly one of targetAgentCard or targetAgentId");
    }
    if (choice.targetAgentCard === undefined) return undefined;
    const card = parseAgentCard(choice.targetAgentCard, "targetAgentCard");
    agentEndpoint(card, "targetAgentCard.service.endpoint");
    return card;
  }

  /** The tenant's directory agent `agentId`, checked. */
  async fromDirectory(tenantId: string, agentId: string): Promise<AgentCard> {
    if (!this.#directory) {
      throw new ConfigurationError("targetAgentId needs an agentDirectory; pass targetAgentCard instead", {
        context: { field: "agentDirectory" },
      });
    }
    const card = await this.#directory.get(tenantId, agentId);
    if (!card) throw new ValidationError("targetAgentId", `unknown agent "${agentId}"`);
    return parseAgentCard(card, "targetAgentId");
  }

  /** The given card's credentials sealed for the session, if it has any. */
  seal(given: AgentCard | undefined, tenantId: string, handoffId: string): SealedSecret | undefined {
    if (given?.service?.auth === undefined) return undefined;
    return sealAgentAuth(
      this.#secrets,
      given.service.auth,
      handoffCredentialsContext(tenantId, handoffId),
      "targetAgentCard",
    );
  }

  /**
   * The card (with credentials) to reach a session's specialist, resolved from the database: the
   * tenant's directory entry, or the session's own card with its sealed credentials.
   */
  async cardFor(session: HandoffSession): Promise<AgentCard> {
    if (session.targetSource === "directory") return this.#directoryCardFor(session);
    const sealed = sealedTargetCredentials(session);
    if (sealed === undefined) return session.targetAgentCard;
    const auth = openAgentAuth(
      this.#secrets,
      sealed,
      handoffCredentialsContext(session.tenantId, session.handoffId),
    );
    return withCredentials(session.targetAgentCard, auth);
  }

  async #directoryCardFor(session: HandoffSession): Promise<AgentCard> {
    if (!this.#directory) {
      throw new ConfigurationError(
        `Handoff ${session.handoffId} names an agent of the tenant's directory: configure agentDirectory`,
        { context: { field: "agentDirectory", handoffId: session.handoffId } },
      );
    }
    const card = await this.#directory.get(session.tenantId, session.targetAgentId);
    if (card) return card;
    // The tenant removed the agent: the handoff cannot go on, and must not hold the thread.
    await this.#onRemoved(session);
    throw new HandoffError(
      ErrorCode.AGENT_UNAVAILABLE,
      `Agent ${session.targetAgentId} is no longer in the tenant's agent directory; the handoff has ended and control is back with ${session.sourceAgentId}`,
      {
        context: {
          threadId: session.threadId,
          agentId: session.targetAgentId,
          handoffId: session.handoffId,
        },
      },
    );
  }
}
