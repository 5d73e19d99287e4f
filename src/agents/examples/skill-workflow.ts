/**
 * The skill creator's conversation as a pure state machine (no I/O): one state per thread, one
 * user message in, the next state and the reply chunks out. Every reply that continues the
 * workflow asks exactly one question.
 *
 * Phases: gathering_requirements (purpose, name, steps) -> defining_triggers -> generating (the
 * draft is rendered) -> confirming -> completed | cancelled. In confirming, "yes" saves, "no" or
 * "change ..." goes back to the part to adjust (and then straight back to confirming), and
 * "cancel" in any phase ends the workflow.
 */
import { z } from "zod";
import { handoffReturnSchema, type HandoffReturnPayload } from "../../a2a/handoff-extension.js";
import { MAX_SKILL_ANSWER_CHARS, MAX_SKILL_LIST_ITEMS, MAX_SKILL_NAME_CHARS } from "./defaults.js";
import { skillSlug } from "./skill-file.js";

/** The workflow's phases, in order. */
export const SkillPhase = {
  GATHERING_REQUIREMENTS: "gathering_requirements",
  DEFINING_TRIGGERS: "defining_triggers",
  GENERATING: "generating",
  CONFIRMING: "confirming",
  COMPLETED: "completed",
  CANCELLED: "cancelled",
} as const;
export type SkillPhase = (typeof SkillPhase)[keyof typeof SkillPhase];

/** What the agent's last question asked for ("start": nothing asked yet). */
export const SkillQuestion = {
  START: "start",
  PURPOSE: "purpose",
  NAME: "name",
  STEPS: "steps",
  TRIGGERS: "triggers",
  CONFIRMATION: "confirmation",
  CHANGE_TARGET: "change_target",
} as const;
export type SkillQuestion = (typeof SkillQuestion)[keyof typeof SkillQuestion];

type EditableField = "purpose" | "name" | "steps" | "triggers";

const draftSchema = z.object({
  purpose: z.string().optional(),
  name: z.string().optional(),
  steps: z.array(z.string()),
  triggers: z.array(z.string()),
});
/** The skill as gathered so far. */
export type SkillDraft = z.infer<typeof draftSchema>;

/** Everything persisted per thread (validated when read back). */
export const skillWorkflowStateSchema = z.object({
  version: z.literal(1),
  threadId: z.string(),
  tenantId: z.string(),
  userId: z.string().optional(),
  handoffId: z.string(),
  sourceAgentId: z.string().optional(),
  contextSummary: z.string(),
  phase: z.enum(Object.values(SkillPhase) as [SkillPhase, ...SkillPhase[]]),
  awaiting: z.enum(Object.values(SkillQuestion) as [SkillQuestion, ...SkillQuestion[]]),
  /** Set while one part is being changed after the draft was shown: the next answer goes back to confirming. */
  revising: z.boolean(),
  draft: draftSchema,
  turns: z.number().int().nonnegative(),
  /** The handoffReturn sent when the workflow ended (kept so it can be repeated). */
  result: handoffReturnSchema.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
/** The persisted state of one thread's workflow. */
export type SkillWorkflowState = z.infer<typeof skillWorkflowStateSchema>;

/** What the agent must do after a step, besides sending the reply chunks. */
export type SkillEffect =
  /** Write the skill file, then call {@link completeWorkflow}. */
  | { type: "save" }
  /** Hand control back with `state.result`. */
  | { type: "return" };

/** The outcome of one user message. */
export interface SkillStep {
  state: SkillWorkflowState;
  chunks: string[];
  effect?: SkillEffect;
}

/** A fresh workflow for a handoff the agent accepted. */
export function startWorkflow(options: {
  threadId: string;
  tenantId: string;
  userId?: string;
  handoffId: string;
  sourceAgentId?: string;
  contextSummary?: string;
  now: Date;
}): SkillWorkflowState {
  const at = options.now.toISOString();
  return {
    version: 1,
    threadId: options.threadId.toLowerCase(),
    tenantId: options.tenantId,
    ...(options.userId !== undefined ? { userId: options.userId } : {}),
    handoffId: options.handoffId,
    ...(options.sourceAgentId !== undefined ? { sourceAgentId: options.sourceAgentId } : {}),
    contextSummary: (options.contextSummary ?? "").trim(),
    phase: SkillPhase.GATHERING_REQUIREMENTS,
    awaiting: SkillQuestion.START,
    revising: false,
    draft: { steps: [], triggers: [] },
    turns: 0,
    createdAt: at,
    updatedAt: at,
  };
}

/** True once the workflow has completed or been cancelled. */
export function isTerminal(state: SkillWorkflowState): boolean {
  return state.phase === SkillPhase.COMPLETED || state.phase === SkillPhase.CANCELLED;
}

// ---------------------------------------------------------------------------------------------
// Reading the user's intent

const CANCEL =
  /^(?:please\s+)?(?:cancel|abort|quit|exit|stop|never\s*mind)(?:\s+(?:it|this|that|please|everything|the\s+skill|skill\s+creation))?[\s.!]*$/i;
const CONFIRM =
  /^(?:y|yes|yep|yeah|yup|sure|ok|okay|confirm(?:ed)?|save(?:\s+it)?|looks?\s+good|lgtm|perfect|great|do\s+it|go\s+ahead|sounds\s+good|correct|approved?)\b/i;
const DECLINE = /^(?:n|no|nope|nah|not\s+yet|not\s+quite|wait|hold\s+on)\b/i;
const CHANGE = /\b(?:change|edit|modify|update|rename|adjust|fix|replace|redo)\b/i;
const KEEP =
  /^(?:nothing|none|no\s+changes?|never\s*mind|it'?s\s+fine|all\s+good|looks?\s+good|keep\s+it)\b/i;
const AS_DESCRIBED =
  /^(?:as\s+described|as\s+(?:above|said)|same|yes|ok|okay|sure|use\s+(?:that|it|the\s+summary)|that'?s?\s+it)[\s.!]*$/i;

const FIELD_WORDS: readonly [EditableField, RegExp][] = [
  ["name", /\b(?:name|title|called|rename)\b/i],
  ["purpose", /\b(?:description|describe|purpose|goal|summary|what\s+it\s+does)\b/i],
  ["steps", /\b(?:steps?|instructions?|procedure)\b/i],
  ["triggers", /\b(?:triggers?|when\s+it\s+runs|when\s+to\s+run)\b/i],
];

/** What may come before the field word of an inline change (`change name X`, `set the steps a; b`). */
const INLINE_CHANGE = /^\s*(?:please\s+)?(?:change|set|update|make)\s+(?:the\s+)?(?:skill(?:'s)?\s+)?$/i;

/** Cancels the workflow when the whole message is a cancel phrase ("cancel", "stop it", ...). */
export function isCancelMessage(text: string): boolean {
  return CANCEL.test(text.trim());
}

/**
 * The part of the skill a change request names (the earliest one mentioned), and the new value
 * when it gives one: "change the name to X", "rename it to X", "steps: a; b", "triggers = x, y".
 */
export function parseChangeRequest(text: string): { field?: EditableField; value?: string } {
  let best: { field: EditableField; index: number; end: number } | undefined;
  for (const [field, pattern] of FIELD_WORDS) {
    const match = pattern.exec(text);
    if (match && (best === undefined || match.index < best.index)) {
      best = { field, index: match.index, end: match.index + match[0].length };
    }
  }
  if (best === undefined) return {};
  const rest = text.slice(best.end);
  const value =
    /^\s*(?:it\s+|of\s+the\s+skill\s+)?(?:to|:|=|as|into)\s*([\s\S]+)$/i.exec(rest)?.[1]?.trim() ??
    // The inline form `change name Deploy Notifier`: a change verb, the field, then the value.
    (INLINE_CHANGE.test(text.slice(0, best.index)) ? rest.trim() : undefined);
  return value ? { field: best.field, value } : { field: best.field };
}

// ---------------------------------------------------------------------------------------------
// Answers

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

function clean(text: string): string {
  return text.replace(CONTROL_CHARS, "").trim();
}

/** `1 step`, `2 steps`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function oneLine(text: string): string {
  return clean(text).replace(/\s+/g, " ");
}

function unquote(text: string): string {
  return text.replace(/^["'“”‘’`]+|["'“”‘’`]+$/g, "").trim();
}

/** Splits a list answer: one item per line, or separated by `;` (and `,` when `commas`). */
export function splitList(text: string, options: { commas: boolean }): string[] {
  const lines = clean(text).split(/\r?\n/);
  const separator = options.commas ? /[;,]/ : /;/;
  const raw = lines.length > 1 ? lines : (lines[0] ?? "").split(separator);
  return raw
    .map((item) => unquote(oneLine(item.replace(/^\s*(?:[-*+•]|\d+[.)]|[a-z][.)])\s+/i, ""))))
    .filter((item) => item !== "");
}

type Applied = { ok: true; draft: SkillDraft } | { ok: false; problem: string };

function applyAnswer(state: SkillWorkflowState, options: { field: EditableField; answer: string }): Applied {
  const { field } = options;
  const text = clean(options.answer);
  if (text.length > MAX_SKILL_ANSWER_CHARS) {
    return { ok: false, problem: `That is longer than I can keep (${MAX_SKILL_ANSWER_CHARS} characters).` };
  }
  switch (field) {
    case "purpose": {
      const purpose = AS_DESCRIBED.test(text) && state.contextSummary !== "" ? state.contextSummary : text;
      if (purpose.length < 3)
        return { ok: false, problem: "I need a short description of what the skill does." };
      return { ok: true, draft: { ...state.draft, purpose } };
    }
    case "name": {
      const name = unquote(oneLine(text.split(/\r?\n/)[0] ?? ""));
      if (name.length > MAX_SKILL_NAME_CHARS) {
        return { ok: false, problem: `Names can be at most ${MAX_SKILL_NAME_CHARS} characters.` };
      }
      if (skillSlug(name) === "") {
        return {
          ok: false,
          problem: "The name needs at least one letter or digit (it becomes the file name).",
        };
      }
      return { ok: true, draft: { ...state.draft, name } };
    }
    case "steps":
    case "triggers": {
      const items = splitList(text, { commas: field === "triggers" });
      if (items.length === 0)
        return { ok: false, problem: `I need at least one ${field === "steps" ? "step" : "trigger"}.` };
      if (items.length > MAX_SKILL_LIST_ITEMS) {
        return { ok: false, problem: `A skill can have at most ${MAX_SKILL_LIST_ITEMS} ${field}.` };
      }
      return { ok: true, draft: { ...state.draft, [field]: items } };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Questions (each contains exactly one question mark)

function excerpt(text: string, max: number): string {
  const flat = oneLine(text).replace(/\?/g, ".");
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

function skillName(state: SkillWorkflowState): string {
  return state.draft.name ?? "the skill";
}

/** The question that asks for `awaiting`. */
export function questionFor(state: SkillWorkflowState, awaiting: SkillQuestion): string {
  switch (awaiting) {
    case SkillQuestion.START:
    case SkillQuestion.PURPOSE:
      return state.contextSummary !== ""
        ? `From the handoff I understand: "${excerpt(state.contextSummary, 200)}". What exactly should this skill do? Describe its goal and the result you expect, or reply "as described" to keep that summary.`
        : "What should this skill do? Describe its goal and the result you expect.";
    case SkillQuestion.NAME:
      return "What should the skill be called?";
    case SkillQuestion.STEPS:
      return `What steps should "${excerpt(skillName(state), 100)}" follow? List them in order, one per line or separated by semicolons.`;
    case SkillQuestion.TRIGGERS:
      return `When should "${excerpt(skillName(state), 100)}" run? List the phrases or events that should trigger it, separated by commas or new lines.`;
    case SkillQuestion.CONFIRMATION:
      return 'Shall I save this skill? Reply "yes" to save it, "change" followed by name, description, steps or triggers to adjust it, or "cancel" to stop.';
    case SkillQuestion.CHANGE_TARGET:
      return "What would you like to change: the name, the description, the steps or the triggers?";
  }
}

const FIELD_QUESTION: Record<EditableField, SkillQuestion> = {
  purpose: SkillQuestion.PURPOSE,
  name: SkillQuestion.NAME,
  steps: SkillQuestion.STEPS,
  triggers: SkillQuestion.TRIGGERS,
};

function phaseOf(question: SkillQuestion): SkillPhase {
  switch (question) {
    case SkillQuestion.TRIGGERS:
      return SkillPhase.DEFINING_TRIGGERS;
    case SkillQuestion.CONFIRMATION:
    case SkillQuestion.CHANGE_TARGET:
      return SkillPhase.CONFIRMING;
    default:
      return SkillPhase.GATHERING_REQUIREMENTS;
  }
}

// ---------------------------------------------------------------------------------------------
// The skill document

/** The skill's markdown body (what the user confirms and what is saved under the front matter). */
export function renderSkillBody(draft: SkillDraft): string {
  const block = (text: string): string =>
    clean(text)
      .split(/\r?\n/)
      // A line of the user's text must not turn into a heading or a front matter fence.
      .map((line) => line.replace(/^(\s*)(#|---|===)/, "$1\\$2"))
      .join("\n");
  return [
    `# ${oneLine(draft.name ?? "Untitled skill")}`,
    "",
    block(draft.purpose ?? ""),
    "",
    "## Triggers",
    "",
    ...draft.triggers.map((trigger) => `- ${oneLine(trigger)}`),
    "",
    "## Steps",
    "",
    ...draft.steps.map((step, index) => `${index + 1}. ${oneLine(step)}`),
    "",
  ].join("\n");
}

/** The full skill file: YAML front matter (JSON-quoted strings) and the body. */
export function renderSkillFile(options: { draft: SkillDraft; createdBy: string; createdAt: Date }): string {
  const { draft } = options;
  const quote = (text: string): string => JSON.stringify(oneLine(text));
  return [
    "---",
    `name: ${quote(draft.name ?? "")}`,
    `description: ${quote(draft.purpose ?? "")}`,
    "triggers:",
    ...draft.triggers.map((trigger) => `  - ${quote(trigger)}`),
    `created_by: ${quote(options.createdBy)}`,
    `created_at: ${quote(options.createdAt.toISOString())}`,
    "---",
    "",
    renderSkillBody(draft),
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Transitions

/** One turn in progress: the state it started from and the clock. */
interface Turn {
  readonly state: SkillWorkflowState;
  readonly now: Date;
}

function touch(turn: Turn, patch: Partial<SkillWorkflowState>): SkillWorkflowState {
  return { ...turn.state, ...patch, turns: turn.state.turns + 1, updatedAt: turn.now.toISOString() };
}

/** Moves to `awaiting` and replies with `lead` followed by its (single) question. */
function ask(
  turn: Turn,
  options: { awaiting: SkillQuestion; lead: string[]; patch?: Partial<SkillWorkflowState> },
): SkillStep {
  const { awaiting } = options;
  const next = touch(turn, { ...options.patch, awaiting, phase: phaseOf(awaiting) });
  return { state: next, chunks: [...options.lead, questionFor(next, awaiting)] };
}

function showDraft(turn: Turn, options: { draft: SkillDraft; lead: string }): SkillStep {
  const { draft } = options;
  // "generating" is passed through within this turn: the draft is rendered, then confirmed.
  const generated: Turn = { ...turn, state: { ...turn.state, draft, phase: SkillPhase.GENERATING } };
  return ask(generated, {
    awaiting: SkillQuestion.CONFIRMATION,
    lead: [`${options.lead}Here is the draft of the skill:\n\n`, `${renderSkillBody(draft)}\n`],
    patch: { draft, revising: false },
  });
}

function nextQuestionAfter(field: EditableField): SkillQuestion | "draft" {
  switch (field) {
    case "purpose":
      return SkillQuestion.NAME;
    case "name":
      return SkillQuestion.STEPS;
    case "steps":
      return SkillQuestion.TRIGGERS;
    case "triggers":
      return "draft";
  }
}

function answerField(turn: Turn, options: { field: EditableField; text: string }): SkillStep {
  const { state } = turn;
  const applied = applyAnswer(state, { field: options.field, answer: options.text });
  if (!applied.ok) return ask(turn, { awaiting: state.awaiting, lead: [`${applied.problem} `] });
  const next = state.revising ? "draft" : nextQuestionAfter(options.field);
  if (next === "draft") {
    const lead = state.revising ? "Updated. " : "Thanks, that is everything I need. ";
    return showDraft(turn, { draft: applied.draft, lead });
  }
  const lead = next === SkillQuestion.TRIGGERS ? "Requirements done; now the triggers. " : "Got it. ";
  return ask(turn, { awaiting: next, lead: [lead], patch: { draft: applied.draft } });
}

function requestChange(turn: Turn, text: string): SkillStep {
  const { field, value } = parseChangeRequest(text);
  if (field === undefined) return ask(turn, { awaiting: SkillQuestion.CHANGE_TARGET, lead: ["Sure. "] });
  if (value === undefined) {
    return ask(turn, {
      awaiting: FIELD_QUESTION[field],
      lead: ["Sure, let's change that. "],
      patch: { revising: true },
    });
  }
  const applied = applyAnswer(turn.state, { field, answer: value });
  if (!applied.ok) {
    return ask(turn, {
      awaiting: FIELD_QUESTION[field],
      lead: [`${applied.problem} `],
      patch: { revising: true },
    });
  }
  return showDraft(turn, { draft: applied.draft, lead: "Updated. " });
}

/** Ends the workflow as cancelled; the agent then returns control with `state.result`. */
export function cancelWorkflow(state: SkillWorkflowState, options: { now: Date }): SkillStep {
  const result: HandoffReturnPayload = {
    completionStatus: "cancelled",
    resultSummary: "Skill creation cancelled by the user; no skill was saved.",
    artifactsCreated: [],
  };
  return {
    state: touch({ state, now: options.now }, { phase: SkillPhase.CANCELLED, result }),
    chunks: ["Skill creation cancelled; nothing was saved. Handing you back to the main assistant."],
    effect: { type: "return" },
  };
}

/** Ends the workflow as completed once the skill file has been written at `file`. */
export function completeWorkflow(
  state: SkillWorkflowState,
  options: { file: string; displayName: string; now: Date },
): SkillStep {
  const { draft } = state;
  const name = oneLine(draft.name ?? "");
  const result: HandoffReturnPayload = {
    completionStatus: "completed",
    resultSummary: `Created skill "${name}" (${count(draft.steps.length, "step")}, ${count(draft.triggers.length, "trigger")}) as ${options.displayName}`,
    artifactsCreated: [options.file],
  };
  return {
    state: touch({ state, now: options.now }, { phase: SkillPhase.COMPLETED, result }),
    chunks: [
      `Saved the skill "${name}" as ${options.displayName}. `,
      "Handing you back to the main assistant.",
    ],
    effect: { type: "return" },
  };
}

const INTRO =
  "Hi, I'm the Skill Creator. I'll ask you a few questions (what the skill does, its name, its steps and " +
  'its triggers), then show you a draft to confirm. Say "cancel" at any time to stop.\n\n';

/**
 * Advances a live workflow with one user message. A terminal state is returned unchanged (the
 * agent repeats its result instead).
 */
export function advanceWorkflow(
  state: SkillWorkflowState,
  options: { message: string; now: Date },
): SkillStep {
  if (isTerminal(state)) return { state, chunks: [] };
  const turn: Turn = { state, now: options.now };
  const text = options.message.trim();
  if (isCancelMessage(text)) return cancelWorkflow(state, { now: options.now });
  switch (state.awaiting) {
    case SkillQuestion.START:
      return ask(turn, { awaiting: SkillQuestion.PURPOSE, lead: [INTRO] });
    case SkillQuestion.PURPOSE:
    case SkillQuestion.NAME:
    case SkillQuestion.STEPS:
    case SkillQuestion.TRIGGERS:
      return answerField(turn, { field: state.awaiting, text });
    case SkillQuestion.CHANGE_TARGET:
      if (parseChangeRequest(text).field !== undefined) return requestChange(turn, text);
      if (KEEP.test(text)) {
        return ask(turn, { awaiting: SkillQuestion.CONFIRMATION, lead: ["OK, the draft stays as it is. "] });
      }
      return ask(turn, { awaiting: SkillQuestion.CHANGE_TARGET, lead: ["I didn't catch which part. "] });
    case SkillQuestion.CONFIRMATION:
      if (CHANGE.test(text)) return requestChange(turn, text);
      if (DECLINE.test(text))
        return ask(turn, { awaiting: SkillQuestion.CHANGE_TARGET, lead: ["No problem. "] });
      if (CONFIRM.test(text)) return { state: touch(turn, {}), chunks: [], effect: { type: "save" } };
      return ask(turn, { awaiting: SkillQuestion.CONFIRMATION, lead: ["I didn't catch that. "] });
  }
}
