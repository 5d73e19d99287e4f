/** Runs the CLI in-process with captured output. */
import type { CliIo } from "../../src/cli/program.js";

export interface CapturedIo {
  io: CliIo;
  out(): string;
  err(): string;
}

export function capture(): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) },
    out: () => out.join(""),
    err: () => err.join(""),
  };
}
