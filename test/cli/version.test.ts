import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { capture } from "../helpers/cli.js";

const run = promisify(execFile);
const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

describe("omniforge --version", () => {
  it.each(["--version", "-V"])("%s prints package.json's version and exits 0", async (flag) => {
    const { io, out } = capture();
    expect(await runCli([flag], io)).toBe(0);
    expect(out()).toBe(`${version}\n`);
  });

  it("prints it from a real process through the bin entry", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "src/cli/main.ts", "--version"]);
    expect(stdout).toBe(`${version}\n`);
  });

  it("is listed in --help", async () => {
    const { io, out } = capture();
    expect(await runCli(["--help"], io)).toBe(0);
    expect(out()).toContain("-V, --version");
  });
});
