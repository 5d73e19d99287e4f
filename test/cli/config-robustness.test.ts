/**
 * `omniforge config` and the config loader with hostile or broken input: a JSON syntax error says
 * where (line:column) and what, never the text; URLs' credentials are masked; every problem is
 * reported at once, and `config` still shows the settings; the config file is a regular file of at
 * most 1 MiB.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { maskUrl } from "../../src/cli/config/mask.js";
import { MAX_CONFIG_FILE_BYTES } from "../../src/cli/config/load-config.js";
import { runCli } from "../../src/cli/program.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function workDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "omniforge-config-robustness-"));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

async function run(argv: string[], options: { env?: Record<string, string>; cwd?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    env: options.env ?? {},
    cwd: options.cwd ?? workDir(),
  });
  return { code, out: out.join(""), err: err.join("") };
}

describe("a config file that is not valid JSON", () => {
  it("is reported by line and column and what is wrong, never quoting the text", async () => {
    const secret = "SuperSecretKeyValue123";
    const cwd = workDir({ "omniforge.config.json": `{"secretKey": ${secret}}` });
    const result = await run(["serve"], { cwd });
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      `omniforge: invalid configuration: ${join(cwd, "omniforge.config.json")}:1:15: not valid JSON: ` +
        "expected a value: a string in double quotes, a number, true, false, null, an object or an array\n",
    );
    // Not even a piece of it.
    for (let i = 0; i + 6 <= secret.length; i++) expect(result.err).not.toContain(secret.slice(i, i + 6));
  });

  it("names the line of a missing comma, a trailing comma or a line break inside a string", async () => {
    const cases: Array<[string, string]> = [
      ['{\n  "port": 80\n  "host": "x"\n}', "3:3: not valid JSON: expected ',' or '}'"],
      ['{\n  "agents": ["http://a.example",]\n}', "2:33: not valid JSON: a trailing comma before ']'"],
      [
        '{\n  "secretKey": "abc\ndef"\n}',
        "2:20: not valid JSON: a string holds a control character (a line break?): escape it",
      ],
      ['{"port": 80} trailing', "1:14: not valid JSON: unexpected content after the JSON value"],
    ];
    for (const [text, message] of cases) {
      const cwd = workDir({ "c.json": text });
      const result = await run(["serve", "--config", "c.json"], { cwd });
      expect(result.err).toBe(`omniforge: invalid configuration: ${join(cwd, "c.json")}:${message}\n`);
    }
  });
});

describe("URL credentials in omniforge config", () => {
  const env = {
    OMNIFORGE_AGENTS:
      "http://u:AgentPw@example.com/kb,https://tok3nUser@agents.example/x?api_key=KeyInQuery&lang=en",
    OMNIFORGE_LLM_BASE_URL: "http://user:llmpass@host/v1?token=tokInQuery",
    OMNIFORGE_LLM_MODEL: "m",
  };
  const secrets = ["AgentPw", "tok3nUser", "KeyInQuery", "llmpass", "tokInQuery"];

  it("are masked in the table and in --json, the rest of each URL shown", async () => {
    for (const argv of [["config"], ["config", "--json"]]) {
      const result = await run(argv, { env });
      expect(result.code).toBe(0);
      for (const secret of secrets) expect(result.out).not.toContain(secret);
    }
    const shown = JSON.parse((await run(["config", "--json"], { env })).out) as {
      settings: Record<string, { value: unknown }>;
    };
    expect(shown.settings.agents!.value).toEqual([
      "http://u:********@example.com/kb",
      "https://********@agents.example/x?api_key=********&lang=en",
    ]);
    expect(shown.settings["llm.baseUrl"]!.value).toBe("http://user:********@host/v1?token=********");
  });

  it("are masked when a bad URL is quoted in an error (variable or flag)", async () => {
    const bad = await run(["serve"], { env: { OMNIFORGE_AGENTS: "ftp://u:FtpPw@files.example" } });
    expect(bad.err).toBe(
      'omniforge: invalid configuration: OMNIFORGE_AGENTS="ftp://u:********@files.example/": [0] must be an http:// or https:// URL\n',
    );
    const flag = await run(["serve", "--llm-base-url", "ftp://u:FtpPw@x", "--llm-model", "m"]);
    expect(flag.err).toContain('--llm-base-url "ftp://u:********@x/"');
    expect(flag.err).not.toContain("FtpPw");
  });

  it("maskUrl keeps a URL without credentials exactly as given, and masks an unparseable one that may hold some", () => {
    expect(maskUrl("http://example.com")).toBe("http://example.com");
    expect(maskUrl("https://h.example/v1?model=x")).toBe("https://h.example/v1?model=x");
    expect(maskUrl("sqlite:///x.db")).toBe("sqlite:///x.db");
    expect(maskUrl("http://u:p@[bad")).toBe("********");
    expect(maskUrl("postgres://a:pw@db/x?sslpassword=s&password=p")).toBe(
      "postgres://a:********@db/x?sslpassword=********&password=********",
    );
  });
});

describe("every problem at once", () => {
  it("config with an API key but no endpoint still shows the settings, and exits 1 naming the problem", async () => {
    const env = { OMNIFORGE_LLM_API_KEY: "sk-abc123", PORT: "9001" };
    const text = await run(["config"], { env });
    expect(text.code).toBe(1);
    expect(text.out).toMatch(/^llm\.apiKey\s+\*{8}\s+env OMNIFORGE_LLM_API_KEY$/m);
    expect(text.out).toMatch(/^port\s+9001\s+env PORT$/m);
    expect(text.err).toBe(
      "omniforge: invalid configuration (serve would not start):\n" +
        "  OMNIFORGE_LLM_API_KEY is set but the LLM endpoint is not: set OMNIFORGE_LLM_BASE_URL, --llm-base-url or llm.baseUrl\n",
    );
    expect(text.out + text.err).not.toContain("sk-abc123");
    const json = await run(["config", "--json"], { env });
    expect(json.code).toBe(1);
    const shown = JSON.parse(json.out) as {
      problems: string[];
      settings: Record<string, { value: unknown }>;
    };
    expect(shown.settings.port!.value).toBe(9001);
    expect(shown.problems).toEqual([
      "OMNIFORGE_LLM_API_KEY is set but the LLM endpoint is not: set OMNIFORGE_LLM_BASE_URL, --llm-base-url or llm.baseUrl",
    ]);
  });

  it("a file with an unknown nested key and three bad values reports all four", async () => {
    const cwd = workDir({
      "omniforge.config.json":
        '{"llm": {"__proto__": {"x": 1}, "model": ""}, "port": "80", "rateLimit": 0, "logLevel": "loud"}',
    });
    const path = join(cwd, "omniforge.config.json");
    for (const command of ["serve", "config"]) {
      const result = await run([command], { cwd });
      expect(result.code).toBe(1);
      const listed = result.err.split("\n").filter((line) => line.startsWith("  "));
      expect(listed).toEqual([
        `  ${path}: unknown key "llm.__proto__" (known: baseUrl, apiKey, model)`,
        `  ${path}: port: must be an integer in 0..65535`,
        `  ${path}: logLevel: must be one of fatal, error, warn, info, debug, trace, silent`,
        `  ${path}: rateLimit: must be a positive integer`,
        `  ${path}: llm.model: must not be empty`,
      ]);
    }
    const shown = await run(["config"], { cwd });
    expect(shown.out).toMatch(/^port\s+\(invalid: see the problems\)\s+file port$/m);
  });

  it("a config file problem does not hide a bad environment variable", async () => {
    const result = await run(["serve", "--config", "gone.json"], { env: { PORT: "x" } });
    expect(result.err.split("\n").filter((line) => line.startsWith("  "))).toHaveLength(2);
    expect(result.err).toContain("no such file");
    expect(result.err).toContain('PORT="x": must be an integer in 0..65535');
  });
});

describe("the config file is a regular file of at most 1 MiB", () => {
  it("a larger file is refused by size, naming the path, without parsing it", async () => {
    const cwd = workDir({ "big.json": `{"host": "${"x".repeat(MAX_CONFIG_FILE_BYTES)}"}` });
    const result = await run(["serve", "--config", "big.json"], { cwd });
    expect(result.err).toBe(
      `omniforge: invalid configuration: config file ${join(cwd, "big.json")} (from --config): ` +
        "larger than 1048576 bytes (1 MiB): a config file is a small JSON object\n",
    );
    // Exactly 1 MiB is read.
    const atLimit = `{"host": "${"x".repeat(MAX_CONFIG_FILE_BYTES - 12)}"}`;
    expect(Buffer.byteLength(atLimit)).toBe(MAX_CONFIG_FILE_BYTES);
    const shown = await run(["config", "--json", "--config", "ok.json"], {
      cwd: workDir({ "ok.json": atLimit }),
    });
    expect(shown.code).toBe(0);
  });

  it("a device, a FIFO or a directory is refused before it is read", async () => {
    const cwd = workDir();
    execFileSync("mkfifo", [join(cwd, "pipe")]);
    for (const [path, shownPath] of [
      ["/dev/zero", "/dev/zero"],
      ["pipe", join(cwd, "pipe")],
      [".", cwd],
    ] as const) {
      const result = await run(["serve", "--config", path], { cwd });
      expect(result.err).toBe(
        `omniforge: invalid configuration: config file ${shownPath} (from --config): not a regular file\n`,
      );
    }
  });
});
