/**
 * An agent that asks: `ask:N` starts a task that asks the user N questions, one per turn, keeping
 * the answers (and which process asked and answered) in `ctx.state`; the last answer completes the
 * task with a data part showing everything the handler was handed. Shared by the task-store suites
 * and their worker process, so a question asked in one process can be answered in another.
 */
import type { AgentMessageContext } from "../../src/a2a/server/serve-agent.js";

export const QUESTIONS = ["What is your name?", "What is your favourite colour?", "Where do you live?"];

/** What the last turn reports in its data part. */
export interface Answered {
  answerTo: string;
  state: { wanted: number; answers: string[]; askedBy: number[] };
  answeredBy: number;
}

export async function* askingHandler(ctx: AgentMessageContext) {
  if (ctx.answerTo === undefined) {
    ctx.state.wanted = Math.min(Number(/^ask:(\d+)$/.exec(ctx.text)?.[1] ?? 1), QUESTIONS.length);
    ctx.state.answers = [];
    ctx.state.askedBy = [];
  } else {
    (ctx.state.answers as string[]).push(ctx.text);
  }
  const answers = ctx.state.answers as string[];
  if (answers.length < (ctx.state.wanted as number)) {
    (ctx.state.askedBy as number[]).push(process.pid);
    yield `Question ${answers.length + 1}. `;
    ctx.askUser(QUESTIONS[answers.length]!);
    return;
  }
  yield `Thanks: ${answers.join(", ")}`;
  const answered: Answered = {
    answerTo: ctx.answerTo ?? "",
    state: ctx.state as unknown as Answered["state"],
    answeredBy: process.pid,
  };
  yield { data: { answered } };
}
