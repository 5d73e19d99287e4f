/**
 * Durable handoff sessions: what the per-thread state machine needs from its storage. The store is
 * the source of truth: it allows one live (pending or active) session per thread, and every
 * transition is conditional on the state it was read in, so concurrent processes cannot both win
 * (`SqlHandoffStore` in storage/ does both in SQL).
 */
import type { AgentCard } from "../a2a/agent-card.js";
import type { SealedSecret } from "../security/secret-keyring.js";
import { HandoffState } from "./types.js";

/** One handoff session, as stored. */
export interface HandoffSession {
  handoffId: string;
  threadId: string;
  tenantId: string;
  userId: string;
  sourceAgentId: string;
  targetAgentId: string;
  state: HandoffState;
  contextSummary: string;
  handoffReason: string;
  startedAt: Date;
  updatedAt: Date;
  lastActivityAt: Date;
  /** When this live session lapses if nothing happens (idle limit, or the answer deadline while pending). */
  expiresAt: Date;
  completedAt?: Date;
  estimatedDurationSeconds?: number;
  rejectionReason?: string;
  resultSummary?: string;
  artifactsCreated: string[];
  idleTimeoutSeconds: number;
  /** The specialist's card as it was when the handoff started, without credentials. */
  targetAgentCard: AgentCard;
  /**
   * Where the specialist is resolved on every turn: `"directory"` — the tenant's agent directory
   * (current card and credentials, on any replica); `"card"` — the card the caller passed, kept in
   * this session with its credentials sealed.
   */
  targetSource: HandoffTargetSource;
}

/** See {@link HandoffSession.targetSource}. */
export type HandoffTargetSource = "card" | "directory";

/**
 * The sealed credentials of sessions read from the store, kept off the session object itself so
 * they never show up where sessions are logged or serialized.
 */
const sealedCredentials = new WeakMap<HandoffSession, SealedSecret>();

/** The sealed credentials stored with a session's target card, if any. */
export function sealedTargetCredentials(session: HandoffSession): SealedSecret | undefined {
  return sealedCredentials.get(session);
}

/** For stores: attaches the sealed credentials read with `session`. */
export function attachSealedCredentials(session: HandoffSession, sealed: SealedSecret): void {
  sealedCredentials.set(session, sealed);
}

/** One recorded transition. */
export interface HandoffTransition {
  handoffId: string;
  fromState: HandoffState | null;
  toState: HandoffState;
  reason?: string;
  at: Date;
}

export const LIVE_STATES: readonly HandoffState[] = [HandoffState.PENDING, HandoffState.ACTIVE];

/** The state machine: which states each state may move to. */
export const HANDOFF_TRANSITIONS: Readonly<Record<HandoffState, readonly HandoffState[]>> = Object.freeze({
  [HandoffState.PENDING]: [
    HandoffState.ACTIVE,
    HandoffState.REJECTED,
    HandoffState.ERROR,
    HandoffState.CANCELLED,
    HandoffState.EXPIRED,
  ],
  [HandoffState.ACTIVE]: [
    HandoffState.COMPLETED,
    HandoffState.CANCELLED,
    HandoffState.ERROR,
    HandoffState.EXPIRED,
  ],
  [HandoffState.COMPLETED]: [],
  [HandoffState.CANCELLED]: [],
  [HandoffState.REJECTED]: [],
  [HandoffState.ERROR]: [],
  [HandoffState.EXPIRED]: [],
});

export interface NewHandoffSession {
  handoffId: string;
  threadId: string;
  tenantId: string;
  userId: string;
  sourceAgentId: string;
  targetAgentCard: AgentCard;
  contextSummary: string;
  handoffReason: string;
  idleTimeoutSeconds: number;
  /** Deadline for the target's answer while PENDING. */
  expiresAt: Date;
  targetSource: HandoffTargetSource;
  /** The target card's credentials, sealed (card source only). */
  targetCredentials?: SealedSecret;
}

export interface TransitionChanges {
  /** The new deadline (for a live target state). Default: now + the session's idle limit. */
  expiresAt?: Date;
  estimatedDurationSeconds?: number;
  rejectionReason?: string;
  resultSummary?: string;
  artifactsCreated?: string[];
}

/** Where handoff sessions live (see {@link HandoffManager}); `SqlHandoffStore` is the SQL one. */
export interface HandoffStore {
  /**
   * Inserts a PENDING session; HandoffError HANDOFF_ALREADY_ACTIVE when the thread already has a
   * live one, whichever process got there first.
   */
  reserve(input: NewHandoffSession): Promise<HandoffSession>;
  /** The thread's live (pending or active) session, if any. */
  getLive(threadId: string, tenantId: string): Promise<HandoffSession | null>;
  /** The tenant's live sessions whose target is `agentId`. */
  listLiveTo(tenantId: string, agentId: string): Promise<HandoffSession[]>;
  get(handoffId: string, tenantId: string): Promise<HandoffSession | null>;
  /** Every session of the thread, oldest first. */
  list(threadId: string, tenantId: string): Promise<HandoffSession[]>;
  transitions(handoffId: string, tenantId: string): Promise<HandoffTransition[]>;
  /**
   * Moves `session` to `to` if it is still in the state it was read in: the updated session, or
   * null when another actor moved it first; INVALID_HANDOFF_TRANSITION when the machine forbids it.
   */
  transition(
    session: HandoffSession,
    to: HandoffState,
    changes?: TransitionChanges,
    reason?: string,
  ): Promise<HandoffSession | null>;
  /** Records activity on an active session, pushing its idle expiry back. */
  touch(session: HandoffSession): Promise<void>;
  /** Live sessions (any tenant) past their deadline at `now`, oldest first. */
  listExpired(now: Date, limit?: number): Promise<HandoffSession[]>;
}
