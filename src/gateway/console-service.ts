/**
 * What the web console needs beyond the core routes — a thread renamed, a thread's turn timeline,
 * one agent and whether it answers — and the timeline of the gateway's own turns (delegations,
 * handoffs started, cancelled or completed through the API). Plain functions over the gateway's
 * parts, each authorized like every other service call and scoped to the caller's tenant.
 */
import { performance } from "node:perf_hooks";
import type { A2AClient } from "../a2a/client/a2a-client.js";
import { ErrorCode, OrchestrationError } from "../errors.js";
import { errorCodeOf, type Logger } from "../observability.js";
import { AgentCallOutcome } from "../orchestration/agent-call-audit.js";
import type { HandoffAcceptance, HandoffSession } from "../orchestration/handoff-manager.js";
import type { DelegationResult } from "../orchestration/orchestration-manager.js";
import {
  TurnEventKind,
  TurnRecorder,
  TurnTrigger,
  type TurnTimelineStore,
} from "../orchestration/turn-timeline.js";
import { NetworkPolicyError } from "../security/network-policy.js";
import type { AgentDirectoryEntry } from "../storage/sql/sql-agent-directory.js";
import { SqlTurnTimelineStore } from "../storage/sql/sql-turn-timeline-store.js";
import type { DefaultAgents } from "./default-agents.js";
import { AGENT_HEALTH_TIMEOUT_MS, DEFAULT_TIMELINE_TURNS } from "./defaults.js";
import type { GatewayService, PrincipalOptions, ThreadOptions } from "./gateway-service.js";
import { authorize } from "./route-policy.js";
import { requireThreadAccess } from "./thread-access.js";
import {
  agentView,
  threadHolderView,
  threadView,
  turnView,
  type AgentHealthView,
  type AgentView,
  type ThreadDetailView,
  type TurnView,
} from "./views.js";

/** Construction input of {@link ConsoleService}. */
export interface ConsoleServiceConfig {
  /** The gateway whose parts (database, threads, handoffs, directory) this service uses. */
  gateway: GatewayService;
  a2aClient: A2AClient;
  defaults: DefaultAgents;
  /** Where turns are kept. Default: the gateway's database. */
  timeline?: TurnTimelineStore;
  logger?: Logger;
}

/** A thread of the gateway's tenant, by reference. */
type ThreadRef = { tenantId: string; threadId: string };

export class ConsoleService {
  /** Records the gateway's own turns; its store is the stream router's too. */
  readonly turns: TurnRecorder;
  readonly #gateway: GatewayService;
  readonly #client: A2AClient;
  readonly #defaults: DefaultAgents;

  constructor(config: ConsoleServiceConfig) {
    this.#gateway = config.gateway;
    this.#client = config.a2aClient;
    this.#defaults = config.defaults;
    const store = config.timeline ?? new SqlTurnTimelineStore(config.gateway.database);
    this.turns = new TurnRecorder({ store, ...(config.logger ? { logger: config.logger } : {}) });
  }

  /** Renames a thread the caller owns; answers what `getThread` answers. */
  async renameThread(options: ThreadOptions & { title: string }): Promise<ThreadDetailView> {
    authorize(options.principal, "renameThread");
    const gateway = this.#gateway;
    const thread = await requireThreadAccess(gateway.threads, options, "write");
    const ref = { threadId: thread.id, tenantId: thread.tenantId };
    const [renamed, session] = await Promise.all([
      gateway.conversationRepo.updateConversation({
        ...ref,
        conversationId: thread.id,
        title: options.title,
      }),
      gateway.handoffs.getActiveHandoff(ref),
    ]);
    return {
      thread: threadView(renamed),
      handoffActive: session !== null,
      holder: threadHolderView(session),
    };
  }

  /** The thread's newest `limit` turns, oldest first (newest last). */
  async timeline(options: ThreadOptions & { limit?: number }): Promise<{ turns: TurnView[] }> {
    authorize(options.principal, "getTimeline");
    const thread = await requireThreadAccess(this.#gateway.threads, options, "read");
    const turns = await this.turns.store.list({
      tenantId: thread.tenantId,
      threadId: thread.id,
      limit: options.limit ?? DEFAULT_TIMELINE_TURNS,
    });
    return { turns: turns.map(turnView) };
  }

  /** One of the tenant's agents, as `listAgents` shows it. */
  async getAgent(options: PrincipalOptions & { agentId: string }): Promise<AgentView> {
    authorize(options.principal, "getAgent");
    const agent = await this.#describe(options.principal.tenantId, options.agentId);
    return agentView(agent, this.#defaults.idsAmong([agent.card]));
  }

  /**
   * Whether the agent answers: its A2A card read afresh through the gateway's client (the outbound
   * network policy applies), bounded by {@link AGENT_HEALTH_TIMEOUT_MS}. Never an agent error: an
   * agent that does not answer is `unreachable`, one the network policy refuses is `refused`.
   */
  async agentHealth(
    options: PrincipalOptions & { agentId: string; signal?: AbortSignal },
  ): Promise<AgentHealthView> {
    const { principal, agentId } = options;
    authorize(principal, "getAgentHealth");
    const card = await this.#gateway.directory.get(principal.tenantId, agentId);
    if (!card) throw agentNotFound(agentId);
    const checkedAt = new Date().toISOString();
    const started = performance.now();
    try {
      const { chosen, offered } = await this.#client.describeAgent(card, {
        tenantId: principal.tenantId,
        timeoutMs: AGENT_HEALTH_TIMEOUT_MS,
        refreshCard: true,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return {
        agentId,
        status: "ok",
        latencyMs: Math.round((performance.now() - started) * 100) / 100,
        checkedAt,
        protocol: { version: chosen.version, binding: chosen.binding },
        interfaces: offered.map(({ version, binding }) => ({ version, binding })),
      };
    } catch (error) {
      // The caller went away: nothing to answer.
      if (options.signal?.aborted) throw error;
      return {
        agentId,
        status: refusedByPolicy(error) ? "refused" : "unreachable",
        latencyMs: null,
        checkedAt,
        protocol: null,
        errorCode: errorCodeOf(error),
      };
    }
  }

  /** Runs a delegation as one turn: one `delegation` event per agent called (race losers included). */
  recordDelegation(
    thread: ThreadRef,
    strategy: string,
    delegate: (onAttempts: (attempts: readonly DelegationResult[]) => void) => Promise<DelegationResult[]>,
  ): Promise<DelegationResult[]> {
    return this.turns.run(TurnTrigger.DELEGATION, thread, (log) => delegate(log.attempts(strategy)));
  }

  /** Runs a handoff's start as one turn: `handoff_started` with how the specialist answered. */
  recordHandoffStart(
    thread: ThreadRef,
    agents: { targetAgentId: string; sourceAgentId: string },
    start: () => Promise<HandoffAcceptance>,
  ): Promise<HandoffAcceptance> {
    return this.turns.run(TurnTrigger.HANDOFF_START, thread, async (log) => {
      const atMs = log.now();
      const acceptance = await start();
      log.add(TurnEventKind.HANDOFF_STARTED, {
        atMs,
        agentId: agents.targetAgentId,
        durationMs: Math.round((log.now() - atMs) * 100) / 100,
        outcome: acceptance.accepted ? AgentCallOutcome.SUCCESS : AgentCallOutcome.FAILURE,
        detail: {
          ...(acceptance.handoffId ? { handoffId: acceptance.handoffId } : {}),
          accepted: acceptance.accepted,
          sourceAgentId: agents.sourceAgentId,
        },
      });
      return acceptance;
    });
  }

  /** Runs a handoff's cancel or completion through the API as one turn. */
  recordHandoffEnd(
    thread: ThreadRef,
    trigger: typeof TurnTrigger.HANDOFF_CANCEL | typeof TurnTrigger.HANDOFF_COMPLETE,
    end: () => Promise<HandoffSession>,
  ): Promise<HandoffSession> {
    return this.turns.run(trigger, thread, async (log) => {
      const session = await end();
      const cancelled = trigger === TurnTrigger.HANDOFF_CANCEL;
      log.add(cancelled ? TurnEventKind.HANDOFF_CANCELLED : TurnEventKind.HANDOFF_RETURNED, {
        agentId: session.targetAgentId,
        detail: cancelled
          ? { handoffId: session.handoffId, by: "api" }
          : {
              handoffId: session.handoffId,
              completionStatus: session.state,
              artifacts: session.artifactsCreated.length,
              by: "api",
            },
      });
      return session;
    });
  }

  async #describe(tenantId: string, agentId: string): Promise<AgentDirectoryEntry> {
    const agent = await this.#gateway.directory.describe(tenantId, agentId);
    if (!agent) throw agentNotFound(agentId);
    return agent;
  }
}

function agentNotFound(agentId: string): OrchestrationError {
  return new OrchestrationError(ErrorCode.NOT_FOUND, `Agent "${agentId}" not found`, {
    context: { field: "agentId" },
  });
}

/** True when the outbound network policy refused the agent's address (somewhere in the cause chain). */
function refusedByPolicy(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if (current instanceof NetworkPolicyError) return true;
    current = current.cause;
  }
  return false;
}
