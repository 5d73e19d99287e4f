/**
 * The skill creation agent: takes over a thread through an OmniForge handoff, runs a multi-turn
 * workflow (see skill-workflow.ts) asking one question per turn, writes the confirmed skill as a
 * markdown file and returns control in its reply stream.
 *
 * Handoff policy: a request is refused when its contextSummary is blank (the agent would not know
 * what the skill is for) or its threadId is not a UUID (the id names the state file). Per-thread
 * state is persisted under `stateDir` after every turn, so a restarted agent continues where the
 * previous one stopped. A finished workflow keeps its state, so a repeated turn of the same handoff
 * repeats the handoffReturn instead of starting over; a new handoff on the thread replaces it.
 */
import path from "node:path";
import type { Logger } from "pino";
import { z } from "zod";
import type {
  HandoffCancelPayload,
  HandoffRequestPayload,
  HandoffReturnPayload,
} from "../../a2a/handoff-extension.js";
import { isUuid, parseConfig } from "../../validation.js";
import {
  serveAgent,
  type AgentMessageContext,
  type AgentOutput,
  type ServedAgent,
} from "../../a2a/server/serve-agent.js";
import { DEFAULT_SKILL_ESTIMATED_DURATION_SECONDS } from "./defaults.js";
import { exampleAgentConfigShape, type ExampleAgentConfig } from "./example-agent.js";
import { tenantSkillsFolder, writeSkillFile } from "./skill-file.js";
import {
  advanceWorkflow,
  completeWorkflow,
  isTerminal,
  renderSkillFile,
  skillWorkflowStateSchema,
  startWorkflow,
  type SkillStep,
  type SkillWorkflowState,
} from "./skill-workflow.js";
import { KeyedMutex, ThreadStateStore } from "./thread-state-store.js";

/** The skill creator's agent id. */
export const SKILL_CREATION_AGENT_ID = "skill-creation-agent";

/** Options of {@link startSkillCreationAgent}. */
export interface SkillCreationAgentConfig extends ExampleAgentConfig {
  /** Where confirmed skills are written (`<slug>.md`); created if missing. */
  skillsDir: string;
  /** Where per-thread workflow state is kept (`<threadId>.json`); created if missing. */
  stateDir: string;
  /** Announced when a handoff is accepted. Default 300. */
  estimatedDurationSeconds?: number;
}

const skillCreationAgentConfigSchema = z.object({
  ...exampleAgentConfigShape,
  skillsDir: z.string().min(1, "must not be empty"),
  stateDir: z.string().min(1, "must not be empty"),
  estimatedDurationSeconds: z.number().nonnegative().finite().optional(),
});

const HELP =
  "I'm the Skill Creator. I work through handoffs: ask the main assistant to create a skill, and it will hand " +
  "this conversation over to me. I'll then ask you a few questions, one at a time, show you a draft, and save " +
  "the skill once you confirm.";

interface TurnOutcome {
  chunks: string[];
  ret?: HandoffReturnPayload;
}

/** The agent's behaviour, separate from the server so the pieces stay small. */
class SkillCreator {
  readonly #skillsDir: string;
  readonly #store: ThreadStateStore<SkillWorkflowState>;
  readonly #locks = new KeyedMutex();
  /** handoffId -> threadId for the handoffs this process has seen (cancel names only the handoff). */
  readonly #threadsByHandoff = new Map<string, string>();
  readonly #estimatedDurationSeconds: number;
  readonly #logger: Logger | undefined;

  constructor(config: {
    skillsDir: string;
    stateDir: string;
    estimatedDurationSeconds: number;
    logger?: Logger;
  }) {
    this.#skillsDir = path.resolve(config.skillsDir);
    this.#estimatedDurationSeconds = config.estimatedDurationSeconds;
    this.#logger = config.logger;
    this.#store = new ThreadStateStore({
      dir: config.stateDir,
      schema: skillWorkflowStateSchema,
      ...(config.logger ? { logger: config.logger } : {}),
    });
  }

  onHandoffRequest = async (request: HandoffRequestPayload) => {
    if (!isUuid(request.threadId)) {
      return { accepted: false, rejectionReason: "The Skill Creator needs a thread id that is a UUID" };
    }
    if (request.contextSummary.trim() === "") {
      return {
        accepted: false,
        rejectionReason: "The Skill Creator needs a contextSummary describing the skill to create",
      };
    }
    const threadId = request.threadId.toLowerCase();
    return this.#locks.run(threadId, async () => {
      const existing = await this.#store.load(threadId);
      if (existing !== undefined && existing.tenantId !== request.tenantId && !isTerminal(existing)) {
        return { accepted: false, rejectionReason: "This thread is not available to the Skill Creator" };
      }
      if (existing !== undefined && !isTerminal(existing)) {
        this.#logger?.warn(
          { threadId, handoffId: existing.handoffId },
          "replacing an unfinished skill workflow",
        );
      }
      await this.#save(
        startWorkflow({
          threadId,
          tenantId: request.tenantId,
          userId: request.userId,
          handoffId: request.handoffId,
          sourceAgentId: request.sourceAgentId,
          contextSummary: request.contextSummary,
          now: new Date(),
        }),
      );
      this.#logger?.info(
        { threadId, handoffId: request.handoffId, tenantId: request.tenantId },
        "skill handoff accepted",
      );
      return { accepted: true, estimatedDurationSeconds: this.#estimatedDurationSeconds };
    });
  };

  onHandoffCancel = async (cancel: HandoffCancelPayload): Promise<void> => {
    const threadId =
      this.#threadsByHandoff.get(cancel.handoffId) ??
      (await this.#store.find((state) => state.handoffId === cancel.handoffId))?.threadId;
    this.#threadsByHandoff.delete(cancel.handoffId);
    if (threadId === undefined) return;
    await this.#locks.run(threadId, async () => {
      const state = await this.#store.load(threadId);
      if (state?.handoffId !== cancel.handoffId) return;
      await this.#store.delete(threadId);
      this.#logger?.info(
        { threadId, handoffId: cancel.handoffId },
        "skill workflow cleared on handoff cancel",
      );
    });
  };

  async *handleMessage(ctx: AgentMessageContext): AsyncGenerator<AgentOutput, void, undefined> {
    const outcome = isUuid(ctx.threadId)
      ? await this.#locks.run(ctx.threadId.toLowerCase(), () => this.#turn(ctx))
      : { chunks: [ctx.handoff ? "I can only run a skill workflow in a thread whose id is a UUID." : HELP] };
    for (const chunk of outcome.chunks) yield chunk;
    if (outcome.ret !== undefined) ctx.returnControl(outcome.ret);
  }

  async #turn(ctx: AgentMessageContext): Promise<TurnOutcome> {
    const threadId = ctx.threadId.toLowerCase();
    const stored = await this.#store.load(threadId);
    // Another tenant's workflow is invisible, exactly like a missing one.
    const own = stored !== undefined && stored.tenantId === ctx.tenantId ? stored : undefined;
    const handoffId = ctx.handoff?.handoffId;
    if (handoffId !== undefined && stored !== undefined && own === undefined && !isTerminal(stored))
      return { chunks: [HELP] };

    let state: SkillWorkflowState;
    if (own !== undefined && (handoffId === undefined || handoffId === own.handoffId)) {
      if (isTerminal(own)) {
        if (handoffId === undefined || own.result === undefined) return { chunks: [HELP] };
        // The same handoff again after the end: the return may have been lost on the way; repeat it.
        return {
          chunks: [`This skill workflow has already ended. ${own.result.resultSummary ?? ""}`.trim()],
          ret: own.result,
        };
      }
      state = own;
    } else if (handoffId !== undefined && ctx.tenantId !== undefined) {
      // A handoff this process did not see being requested (or whose state was lost): start it now.
      state = startWorkflow({
        threadId,
        tenantId: ctx.tenantId,
        ...(ctx.userId !== undefined ? { userId: ctx.userId } : {}),
        handoffId,
        ...(ctx.handoff?.sourceAgentId !== undefined ? { sourceAgentId: ctx.handoff.sourceAgentId } : {}),
        ...(ctx.handoff?.contextSummary !== undefined ? { contextSummary: ctx.handoff.contextSummary } : {}),
        now: new Date(),
      });
    } else {
      return { chunks: [HELP] };
    }

    const now = new Date();
    let step: SkillStep = advanceWorkflow(state, { message: ctx.text, now });
    if (step.effect?.type === "save") step = await this.#saveSkill({ state: step.state, now });
    await this.#save(step.state);
    this.#logger?.info(
      {
        threadId,
        handoffId: step.state.handoffId,
        phase: step.state.phase,
        awaiting: step.state.awaiting,
        turn: step.state.turns,
      },
      "skill workflow advanced",
    );
    return step.effect?.type === "return" && step.state.result !== undefined
      ? { chunks: step.chunks, ret: step.state.result }
      : { chunks: step.chunks };
  }

  async #saveSkill({ state, now }: { state: SkillWorkflowState; now: Date }): Promise<SkillStep> {
    const content = renderSkillFile({
      draft: state.draft,
      createdBy: SKILL_CREATION_AGENT_ID,
      createdAt: now,
    });
    const file = await writeSkillFile({
      // Each tenant has its own folder: one tenant's skill names never show through another's.
      skillsDir: path.join(this.#skillsDir, tenantSkillsFolder(state.tenantId)),
      name: state.draft.name ?? "skill",
      content,
    });
    this.#logger?.info({ threadId: state.threadId, handoffId: state.handoffId, file }, "skill file written");
    // The artifact is named as the tenant knows it (its skill file), never by this server's path.
    return completeWorkflow(state, { file: path.basename(file), displayName: path.basename(file), now });
  }

  async #save(state: SkillWorkflowState): Promise<void> {
    await this.#store.save(state.threadId, state);
    this.#threadsByHandoff.set(state.handoffId, state.threadId);
  }
}

/**
 * Starts the Skill Creator (`skill-creation-agent`): a real A2A agent that accepts OmniForge
 * handoffs, asks one question per turn (purpose, name, steps, triggers, then confirmation of a
 * draft), writes the confirmed skill to `skillsDir` and returns control with the file in
 * `artifactsCreated`. Workflow state survives restarts (it lives in `stateDir`).
 *
 * @example
 * ```ts
 * await using skills = await startSkillCreationAgent({ skillsDir: "./skills", stateDir: "./.skill-state" });
 * await handoffManager.initiateHandoff({ ..., targetAgentCard: skills.card, contextSummary: "Slack alerts skill" });
 * ```
 */
export async function startSkillCreationAgent(config: SkillCreationAgentConfig): Promise<ServedAgent> {
  const options = parseConfig(skillCreationAgentConfigSchema, config, "config");
  const logger = options.logger?.child({ agentId: SKILL_CREATION_AGENT_ID });
  const creator = new SkillCreator({
    skillsDir: options.skillsDir,
    stateDir: options.stateDir,
    estimatedDurationSeconds: options.estimatedDurationSeconds ?? DEFAULT_SKILL_ESTIMATED_DURATION_SECONDS,
    ...(logger ? { logger } : {}),
  });
  return serveAgent({
    card: {
      identity: {
        id: SKILL_CREATION_AGENT_ID,
        name: "Skill Creator",
        description:
          "Creates a skill with you step by step (purpose, name, steps, triggers) and saves it as markdown",
        version: "1.0.0",
      },
      skills: [
        {
          id: "create-skill",
          name: "Create a skill",
          description:
            "A guided, multi-turn workflow reached through an OmniForge handoff; writes <skill>.md",
          tags: ["skills", "handoff", "workflow"],
          examples: ["Create a skill that posts Slack alerts when a deploy fails"],
        },
      ],
    },
    port: options.port ?? 0,
    host: options.host ?? "127.0.0.1",
    ...(options.logger ? { logger: options.logger } : {}),
    handleMessage: (ctx) => creator.handleMessage(ctx),
    onHandoffRequest: creator.onHandoffRequest,
    onHandoffCancel: creator.onHandoffCancel,
  });
}
