/**
 * Where a config file's JSON goes wrong, as `line:column` and what is wrong, never the text: V8's own
 * message quotes the file around the error, and a config file may hold a secret.
 */

/** The first syntax error of `text` (which JSON.parse refused): its 1-based line and column, and why. */
export interface JsonSyntaxError {
  line: number;
  column: number;
  problem: string;
}

class Stop extends Error {
  constructor(
    readonly at: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

const VALUE =
  "expected a value: a string in double quotes, a number, true, false, null, an object or an array";

/** Finds the first syntax error; undefined when the text is valid JSON or too deeply nested to check. */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let at = 0;
  const fail = (problem: string): never => {
    throw new Stop(at, at >= text.length ? "the file ends too early" : problem);
  };
  const space = () => {
    while (at < text.length && " \t\n\r".includes(text[at]!)) at++;
  };
  const string = () => {
    at++; // the opening quote
    for (;;) {
      if (at >= text.length) fail("a string is not closed");
      const char = text[at]!;
      if (char === '"') return void at++;
      if (char < " ") fail("a string holds a control character (a line break?): escape it");
      if (char === "\\") {
        const next = text[at + 1];
        if (next === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6)))
            fail("a \\u escape needs four hex digits");
          at += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) at += 2;
        else fail("a string holds an unknown escape");
      } else at++;
    }
  };
  const value = (): void => {
    space();
    const char = text[at];
    if (char === undefined) return fail(VALUE);
    if (char === "{")
      return members("}", () => {
        space();
        if (text[at] !== '"') fail("expected a property name in double quotes");
        string();
        space();
        if (text[at] !== ":") fail("expected ':' after a property name");
        at++;
        value();
      });
    if (char === "[") return members("]", value);
    if (char === '"') return string();
    const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at, at + 400));
    if (number && number[0] !== "-" && number[0] !== "") return void (at += number[0].length);
    for (const literal of ["true", "false", "null"]) {
      if (text.startsWith(literal, at)) return void (at += literal.length);
    }
    fail(VALUE);
  };
  const members = (close: string, member: () => void) => {
    at++;
    space();
    if (text[at] === close) return void at++;
    for (;;) {
      member();
      space();
      if (text[at] === ",") {
        at++;
        space();
        if (text[at] === close) fail("a trailing comma before '" + close + "'");
        continue;
      }
      if (text[at] === close) return void at++;
      fail(`expected ',' or '${close}'`);
    }
  };
  try {
    value();
    space();
    if (at < text.length) fail("unexpected content after the JSON value");
    return undefined;
  } catch (error) {
    if (!(error instanceof Stop)) return undefined; // nested too deeply for this check
    return { ...lineAndColumn(text, error.at), problem: error.problem };
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, column: [...before.slice(lineStart)].length + 1 };
}
