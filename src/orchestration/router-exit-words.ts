/** The words that, sent alone, cancel a thread's handoff. */
import { DEFAULT_EXIT_COMMANDS } from "../defaults.js";

/** Exit words, matched against a whole message with surrounding space and case ignored. */
export class ExitWords {
  readonly #words: ReadonlySet<string>;

  /** `words` default: exit, cancel, quit, stop. */
  constructor(words: readonly string[] | undefined) {
    this.#words = new Set((words ?? DEFAULT_EXIT_COMMANDS).map(normalized));
  }

  /** True when `message` is, alone, one of the exit words. */
  matches(message: string): boolean {
    return this.#words.has(normalized(message));
  }
}

function normalized(text: string): string {
  return text.trim().toLowerCase();
}
