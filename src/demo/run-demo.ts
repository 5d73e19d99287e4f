/**
 * The complete example, end to end, with real agents on loopback: delegate to two agents, hand the
 * thread to the skill creator, route the user's answers to it while it holds the thread, let it
 * return control in its stream, and route back to the orchestrator. Every step is checked; the
 * result says which passed.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { A2AClient } from "../a2a/client/a2a-client.js";
import { allowEntryFor } from "../security/network-policy.js";
import {
  LLM_AGENT_ID,
  startKnowledgeAgent,
  startLlmAgent,
  startResearchAgent,
  startSkillCreationAgent,
} from "../agents/examples/index.js";
import { tenantSkillsFolder } from "../agents/examples/skill-file.js";
import type { ServedAgent } from "../a2a/server/serve-agent.js";
import { ConversationType, MessageRole } from "../conversation/models.js";
import { SqlConversationRepository } from "../storage/sql/sql-conversation-repository.js";
import { HandoffManager } from "../orchestration/handoff-manager.js";
import { OrchestrationManager } from "../orchestration/orchestration-manager.js";
import { StreamRouter, type RouterEvent } from "../orchestration/stream-router.js";
import { DelegationStrategy, HandoffState } from "../orchestration/types.js";
import { Database } from "../storage/database.js";
import { ErrorCode } from "../errors.js";
import { citationVerdict, citedSources, DEMO_QUESTIONS, isExpectedSource } from "./demo-citations.js";

export interface DemoConfig {
  /** Database URL. Default: a SQLite file in `workDir`. */
  databaseUrl?: string;
  /**
   * Where the database, the skill files and the agent state go, kept afterwards. Default: a new
   * temp directory, removed when the demo ends (whether it passed or not).
   */
  workDir?: string;
  /** Receives the transcript, piece by piece (chunks as they stream). */
  write: (text: string) => void;
  signal?: AbortSignal;
  /**
   * An OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, LM Studio). When given, the demo also runs
   * the LLM agent and the orchestrator's default agent is it (step 5), not the BM25 knowledge agent.
   */
  llm?: DemoLlmEndpoint;
}

export interface DemoLlmEndpoint {
  baseUrl: string;
  apiKey?: string;
  model: string;
}

export interface DemoStep {
  name: string;
  ok: boolean;
  detail: string;
}

export interface DemoResult {
  ok: boolean;
  steps: DemoStep[];
  threadId: string;
  /** The work directory; already removed when the demo made it itself (`removedWorkDir`). */
  workDir: string;
  /** True when the demo made `workDir` itself and removed it at the end. */
  removedWorkDir: boolean;
  databaseUrl: string;
  skillFile?: string;
}

const TENANT = "demo-tenant";
const USER = "demo-user";

/** The user's side of the skill-creation conversation, one answer per question. */
export const DEMO_SKILL_ANSWERS: readonly string[] = [
  "Let's build it.",
  "Post an alert to the #ops Slack channel when a server's CPU stays above 90% for five minutes",
  "Slack CPU Alerts",
  "Read the CPU metrics; find hosts above 90% for five minutes; post one message per host to #ops with a dashboard link",
  "every five minutes, when the monitoring webhook reports a CPU alarm",
  "yes",
];

export async function runDemo(config: DemoConfig): Promise<DemoResult> {
  const ownWorkDir = config.workDir === undefined;
  const workDir = config.workDir ?? mkdtempSync(join(tmpdir(), "omniforge-demo-"));
  const databaseUrl = config.databaseUrl ?? `sqlite:///${join(workDir, "omniforge-demo.db")}`;
  const out = config.write;
  const steps: DemoStep[] = [];
  const check = (name: string, ok: boolean, detail: string) => {
    steps.push({ name, ok, detail });
    out(`  ${ok ? "✔" : "✘"} ${name}: ${detail}\n`);
  };
  const resources: DemoResources = { agents: [] };
  const threadId = randomUUID();
  let skillFile: string | undefined;
  try {
    out(
      `OmniForge demo\n  work dir: ${workDir}${ownWorkDir ? " (removed at the end)" : ""}\n` +
        `  database: ${databaseUrl}\n\n`,
    );
    const demo = await setUpDemo(resources, {
      databaseUrl,
      workDir,
      threadId,
      out,
      check,
      signal: config.signal,
      llm: config.llm,
    });
    await delegate(demo);
    await raceForAnAnswer(demo);
    await handOff(demo);
    const returned = await routeToSpecialist(demo);
    // The agent names the file as the tenant knows it; the demo knows where the agent keeps it.
    const artifact = returned?.artifactsCreated[0];
    skillFile = artifact ? join(workDir, "skills", tenantSkillsFolder(TENANT), artifact) : undefined;
    await checkCompletion(demo, returned, skillFile);
    await routeBackToOrchestrator(demo);
    await checkStoredThread(demo);
  } catch (error) {
    check("demo ran", false, error instanceof Error ? error.message : String(error));
  } finally {
    await Promise.allSettled(resources.agents.map((a) => a.close()));
    await resources.client?.close();
    await resources.database?.close();
    // A temp directory the demo made is its own to remove; a caller's `workDir` is kept.
    if (ownWorkDir) rmSync(workDir, { recursive: true, force: true });
  }
  const ok = steps.length > 0 && steps.every((s) => s.ok);
  out(`\n${ok ? "Demo complete: every step did what it should." : "Demo FAILED: see the ✘ steps above."}\n`);
  return {
    ok,
    steps,
    threadId,
    workDir,
    removedWorkDir: ownWorkDir,
    databaseUrl,
    ...(skillFile ? { skillFile } : {}),
  };
}

/** What the demo opens; closed at the end whatever happened. */
interface DemoResources {
  agents: ServedAgent[];
  database?: Database;
  client?: A2AClient;
}

/** What every step works with. */
interface Demo {
  threadId: string;
  out: (text: string) => void;
  /** Records a step's outcome and prints it. */
  check: (name: string, ok: boolean, detail: string) => void;
  signal: AbortSignal | undefined;
  knowledge: ServedAgent;
  research: ServedAgent;
  skills: ServedAgent;
  /** Who answers when no handoff holds the thread: the LLM agent when configured, else knowledge. */
  orchestratorAgent: ServedAgent;
  conversationRepo: SqlConversationRepository;
  orchestrator: OrchestrationManager;
  handoffManager: HandoffManager;
  router: StreamRouter;
}

/** Migrates the database, starts the three agents, builds the managers and creates the thread. */
async function setUpDemo(
  resources: DemoResources,
  options: Pick<Demo, "threadId" | "out" | "check" | "signal"> & {
    databaseUrl: string;
    workDir: string;
    llm: DemoLlmEndpoint | undefined;
  },
): Promise<Demo> {
  const { threadId, out, workDir } = options;
  const database = (resources.database = new Database(options.databaseUrl));
  await database.initialize();
  const [knowledge, research, skills] = await Promise.all([
    startKnowledgeAgent(),
    startResearchAgent(),
    startSkillCreationAgent({ skillsDir: join(workDir, "skills"), stateDir: join(workDir, "skill-state") }),
  ]);
  const agents = resources.agents;
  agents.push(knowledge, research, skills);
  const llm = options.llm ? await startLlmAgent({ ...options.llm, port: 0, host: "127.0.0.1" }) : undefined;
  if (llm) agents.push(llm);
  const orchestratorAgent = llm ?? knowledge;
  for (const agent of agents) out(`  agent ${agent.card.identity.id.padEnd(22)} ${agent.url}\n`);
  // The demo's agents run on loopback: exactly their host:port are allowed, nothing else local.
  const client = (resources.client = new A2AClient({
    network: { allow: agents.map((agent) => allowEntryFor(agent.url)) },
  }));

  const conversationRepo = new SqlConversationRepository(database);
  const orchestrator = new OrchestrationManager({ a2aClient: client, conversationRepo });
  const handoffManager = new HandoffManager({ a2aClient: client, conversationRepo });
  const router = new StreamRouter({
    handoffManager,
    orchestrationManager: orchestrator,
    defaultAgents: [orchestratorAgent.card],
  });
  await conversationRepo.createConversation({
    tenantId: TENANT,
    userId: USER,
    conversationId: threadId,
    title: "Slack alerts",
    conversationType: ConversationType.CHAT,
  });
  out(`  thread ${threadId} (tenant ${TENANT}, user ${USER})\n`);
  return {
    threadId,
    out,
    check: options.check,
    signal: options.signal,
    knowledge,
    research,
    skills,
    orchestratorAgent,
    conversationRepo,
    orchestrator,
    handoffManager,
    router,
  };
}

/** 1. The orchestrator asks two agents in parallel and merges their answers. */
async function delegate(demo: Demo): Promise<void> {
  const { threadId, out, conversationRepo, orchestrator } = demo;
  const { question, cites } = DEMO_QUESTIONS.delegation;
  out(`\n── 1. Delegation (parallel) ──\nuser> ${question}\n`);
  await conversationRepo.addMessage({
    conversationId: threadId,
    tenantId: TENANT,
    role: MessageRole.USER,
    content: question,
  });
  const results = await orchestrator.delegateToAgents({
    threadId,
    tenantId: TENANT,
    userId: USER,
    message: question,
    targetAgentCards: [demo.knowledge.card, demo.research.card],
    strategy: DelegationStrategy.PARALLEL,
    timeoutMs: 10_000,
    ...(demo.signal ? { signal: demo.signal } : {}),
  });
  const synthesis = orchestrator.synthesizeResponses(results);
  await conversationRepo.addMessage({
    conversationId: threadId,
    tenantId: TENANT,
    role: MessageRole.ASSISTANT,
    content: synthesis,
    agentId: "orchestrator",
  });
  out(`orchestrator> ${indent(synthesis)}\n`);
  for (const r of results) out(`  · ${r.agentId}: ${outcomeLabel(r)} in ${r.latencyMs.toFixed(1)} ms\n`);
  demo.check(
    "delegation",
    results.length === 2 &&
      results.every((r) => r.success && r.response?.includes("Source: ")) &&
      synthesis.includes("From knowledge-agent:") &&
      synthesis.includes("From research-agent:"),
    `${results.filter((r) => r.success).length}/2 agents answered with cited sources`,
  );
  checkCitations(
    demo,
    "delegation cites the relevant sources",
    cites,
    new Map(results.map((r) => [r.agentId, r.response])),
  );
}

/**
 * 1b. FIRST_SUCCESS: a question only the research notes cover. The knowledge agent has nothing and
 * declines (no answer is no win), so the research agent wins; every agent called is shown as the
 * audit recorded it — answered, declined, or cancelled once another had won.
 */
async function raceForAnAnswer(demo: Demo): Promise<void> {
  const { threadId, out, orchestrator } = demo;
  const { question, cites } = DEMO_QUESTIONS.firstSuccess;
  out(`\n── 1b. Delegation (first success) ──\nuser> ${question}\n`);
  const [winner] = await orchestrator.delegateToAgents({
    threadId,
    tenantId: TENANT,
    userId: USER,
    message: question,
    targetAgentCards: [demo.knowledge.card, demo.research.card],
    strategy: DelegationStrategy.FIRST_SUCCESS,
    timeoutMs: 10_000,
    ...(demo.signal ? { signal: demo.signal } : {}),
  });
  out(`${winner?.agentId ?? "orchestrator"}> ${indent(winner?.response ?? winner?.error ?? "")}\n`);
  const rows = (await orchestrator.auditStore?.list({ tenantId: TENANT, threadId, limit: 10 })) ?? [];
  const order = [demo.knowledge.card.identity.id, demo.research.card.identity.id];
  const latest = rows
    .filter((row) => row.delegationId === rows[0]?.delegationId)
    .sort((a, b) => order.indexOf(a.agentId) - order.indexOf(b.agentId));
  for (const row of latest)
    out(`  · ${row.agentId}: ${outcomeLabel(row)} in ${row.latencyMs.toFixed(1)} ms\n`);
  const knowledge = latest.find((row) => row.agentId === demo.knowledge.card.identity.id);
  demo.check(
    "first success skips a non-answer",
    winner?.success === true &&
      winner.agentId === demo.research.card.identity.id &&
      isExpectedSource(citedSources(winner.response ?? "")[0], cites["research-agent"]) &&
      knowledge !== undefined &&
      !knowledge.success,
    `${winner?.agentId ?? "nobody"} won citing ${citedSources(winner?.response ?? "")[0] ?? "nothing"}; ` +
      `knowledge-agent ${knowledge ? outcomeLabel(knowledge) : "not called"}`,
  );
}

/**
 * How one agent's call ended, as the demo prints it: `ok`, `(declined)` (no answer), `(cancelled)`
 * (a FIRST_SUCCESS loser, an abort) or `(failed: CODE)`.
 */
export function outcomeLabel(call: { success: boolean; errorCode?: string | undefined }): string {
  if (call.success) return "ok";
  if (call.errorCode === ErrorCode.ABORTED) return "(cancelled)";
  if (call.errorCode === ErrorCode.AGENT_DECLINED) return "(declined)";
  return `(failed: ${call.errorCode ?? ErrorCode.INTERNAL_ERROR})`;
}

/** 2. Hand the thread to the skill creator. */
async function handOff(demo: Demo): Promise<void> {
  const { threadId, out } = demo;
  out(`\n── 2. Handoff ──\n`);
  const acceptance = await demo.handoffManager.initiateHandoff({
    threadId,
    tenantId: TENANT,
    userId: USER,
    sourceAgentId: "main-chatbot",
    targetAgentCard: demo.skills.card,
    contextSummary: "User wants to create a skill for Slack alerts",
    handoffReason: "skill_creation_workflow",
  });
  out(
    `  handoff ${acceptance.accepted ? "accepted" : `refused (${acceptance.rejectionReason})`}` +
      `${acceptance.estimatedDurationSeconds ? `, about ${acceptance.estimatedDurationSeconds} s` : ""}\n`,
  );
  demo.check(
    "handoff accepted",
    acceptance.accepted && (await demo.router.isHandoffActive({ threadId, tenantId: TENANT })),
    acceptance.handoffId ?? "no id",
  );
}

/**
 * 3. While the specialist holds the thread, every message goes to it, streamed back. Resolves to
 * the specialist's return of control, if it came.
 */
async function routeToSpecialist(demo: Demo): Promise<HandoffReturnedEvent | undefined> {
  const { out } = demo;
  out(`\n── 3. Routed messages (the skill creator holds the thread) ──\n`);
  let returned: HandoffReturnedEvent | undefined;
  let specialistTurns = 0;
  for (const answer of DEMO_SKILL_ANSWERS) {
    out(`user> ${answer}\n`);
    const turn = await routeTurn(demo, answer);
    if (turn.agentId === demo.skills.card.identity.id) specialistTurns++;
    if (turn.error) throw new Error(`routing failed: ${turn.error}`);
    if (turn.returned) {
      returned = turn.returned;
      break;
    }
  }
  demo.check(
    "messages routed to the specialist",
    specialistTurns === DEMO_SKILL_ANSWERS.length,
    `${specialistTurns} turns answered by skill-creation-agent`,
  );
  return returned;
}

/** 4. The specialist returned control in its stream; the router completed the handoff. */
async function checkCompletion(
  demo: Demo,
  returned: HandoffReturnedEvent | undefined,
  skillFile: string | undefined,
): Promise<void> {
  demo.out(`\n── 4. Completion ──\n`);
  const [session] = await demo.handoffManager.listHandoffs({ threadId: demo.threadId, tenantId: TENANT });
  demo.check(
    "handoff completed from the stream",
    returned?.completionStatus === "completed" && session?.state === HandoffState.COMPLETED,
    `session ${session?.state ?? "missing"}: ${session?.resultSummary ?? ""}`,
  );
  const fileOk =
    skillFile !== undefined &&
    existsSync(skillFile) &&
    readFileSync(skillFile, "utf8").includes("Slack CPU Alerts");
  demo.check("skill file written", fileOk, skillFile ?? "no artifact");
}

/** 5. Control is back: the next message goes to the orchestrator's default agent. */
async function routeBackToOrchestrator(demo: Demo): Promise<void> {
  demo.out(`\n── 5. Back to the orchestrator ──\n`);
  const { question: back, cites } = DEMO_QUESTIONS.backToOrchestrator;
  demo.out(`user> ${back}\n`);
  const turn = await routeTurn(demo, back);
  const expectedAgent = demo.orchestratorAgent.card.identity.id;
  demo.check(
    "routing returned to the orchestrator",
    turn.target === "orchestrator" && turn.agentId === expectedAgent && !turn.error && turn.text !== "",
    `answered by ${turn.agentId}${turn.error ? ` (${turn.error})` : ""}`,
  );
  // A language model words and cites as it likes: its answer is shown, and only the BM25 agent's
  // citation is checked.
  if (expectedAgent === LLM_AGENT_ID) return;
  checkCitations(
    demo,
    "the answer cites the relevant source",
    cites,
    new Map([[turn.agentId ?? "", turn.text]]),
  );
}

/** Every user and assistant message of the five steps was stored, besides the handoff notes. */
async function checkStoredThread(demo: Demo): Promise<void> {
  const stored = await demo.conversationRepo.getMessages({
    conversationId: demo.threadId,
    tenantId: TENANT,
    limit: 1000,
  });
  const expected = 2 + 2 * DEMO_SKILL_ANSWERS.length + 2;
  const conversational = stored.filter((m) => m.role !== MessageRole.SYSTEM).length;
  demo.check(
    "thread stored",
    conversational === expected,
    `${conversational} user/assistant messages, ${stored.length - conversational} handoff notes`,
  );
}

type HandoffReturnedEvent = Extract<RouterEvent, { type: "handoff_returned" }>;

interface TurnSummary {
  target?: "handoff" | "orchestrator";
  agentId?: string;
  /** The reply's text, as streamed. */
  text: string;
  returned?: HandoffReturnedEvent;
  error?: string;
}

async function routeTurn(demo: Demo, message: string): Promise<TurnSummary> {
  const { router, threadId, out, signal } = demo;
  const summary: TurnSummary = { text: "" };
  let started = false;
  for await (const event of router.routeEvents({
    threadId,
    tenantId: TENANT,
    userId: USER,
    message,
    ...(signal ? { signal } : {}),
  })) {
    switch (event.type) {
      case "route":
        summary.target = event.target;
        summary.agentId = event.agentId;
        break;
      case "chunk":
        if (!started) out(`${event.agentId}> `);
        started = true;
        summary.text += event.text;
        out(event.text.replaceAll("\n", "\n    "));
        break;
      case "handoff_returned":
        summary.returned = event;
        out(`\n  ↩ ${event.agentId} returned control (${event.completionStatus})`);
        break;
      case "error":
        summary.error = `${event.code}: ${event.message}`;
        break;
      default:
        break;
    }
  }
  out("\n");
  return summary;
}

/** Records whether each agent's answer cites its expected passage first. */
function checkCitations(
  demo: Pick<Demo, "check">,
  name: string,
  expected: Readonly<Record<string, string>>,
  answers: ReadonlyMap<string, string | undefined>,
): void {
  const verdict = citationVerdict(expected, answers);
  demo.check(name, verdict.ok, verdict.detail);
}

function indent(text: string): string {
  return text.replaceAll("\n", "\n    ");
}
