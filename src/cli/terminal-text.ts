/**
 * Text a tenant or an agent wrote (thread titles, messages, agent cards, model replies), made safe
 * to print on the operator's terminal: it cannot move the cursor, clear the screen, set the window
 * title, ring the bell or reorder what follows. Every CLI output of such text goes through here.
 */

/**
 * C0 controls but tab and newline, DEL, C1 controls, and the bidi marks, embeddings, overrides and
 * isolates (U+061C, U+200E-200F, U+202A-202E, U+2066-2069).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with each unsafe character replaced by its visible escape (ESC -> `\u{1b}`); the rest unchanged. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (char) => `\\u{${char.codePointAt(0)!.toString(16)}}`);
}

/** `write`, with everything written through {@link terminalSafe}. */
export function terminalSafeWriter(write: (text: string) => void): (text: string) => void {
  return (text) => write(terminalSafe(text));
}
