/**
 * Configuration: flag > environment > config file > default, for serve, agent, config and the --db
 * commands; `omniforge config` with masked secrets; errors that name their source. The environment
 * and the working directory are given to runCli (process.env is never touched).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, type CliIo } from "../../src/cli/program.js";
import { SETTINGS } from "../../src/cli/config/settings.js";
import { SecretKeyring } from "../../src/security/secret-keyring.js";
import { tempSqlitePath } from "../helpers/databases.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** An empty working directory, optionally holding `omniforge.config.json` (or another file). */
function workDir(files: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "omniforge-config-test-"));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
  }
  return dir;
}

interface Run {
  code: Promise<number>;
  out(): string;
  err(): string;
  /** Resolves once standard output or error holds `text`. */
  until(text: string): Promise<void>;
}

function start(
  argv: string[],
  options: { env?: Record<string, string>; cwd?: string; signal?: AbortSignal; isTTY?: boolean } = {},
): Run {
  const out: string[] = [];
  const err: string[] = [];
  const waiters: { text: string; resolve: () => void }[] = [];
  const wrote = () => {
    const all = out.join("") + err.join("");
    for (const waiter of waiters.filter((w) => all.includes(w.text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  const io: CliIo = {
    stdout: (text) => void (out.push(text), wrote()),
    stderr: (text) => void (err.push(text), wrote()),
    env: options.env ?? {},
    cwd: options.cwd ?? workDir(),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.isTTY !== undefined ? { isTTY: options.isTTY } : {}),
  };
  const code = runCli(argv, io);
  return {
    code,
    out: () => out.join(""),
    err: () => err.join(""),
    until: (text) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ text, resolve });
        wrote();
        // A run that ends first will never print it.
        void code.then((c) => reject(new Error(`exited ${c} before printing "${text}":\n${err.join("")}`)));
      }),
  };
}

async function run(argv: string[], options: Parameters<typeof start>[1] = {}) {
  const started = start(argv, options);
  const code = await started.code;
  return { code, out: started.out(), err: started.err() };
}

interface Shown {
  file: string | null;
  settings: Record<string, { value: unknown; source: string; from?: string; ignored?: string }>;
}

async function effective(argv: string[], options: Parameters<typeof start>[1] = {}): Promise<Shown> {
  const result = await run(["config", "--json", ...argv], options);
  expect(result.err).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(result.out) as Shown;
}

/** One serve setting at every layer: what the flag, the variable and the file say, and the default. */
const LAYERS = [
  {
    key: "databaseUrl",
    flag: ["--db", "sqlite:///flag.db"],
    env: ["DATABASE_URL", "sqlite:///env.db"],
    file: "sqlite:///file.db",
    values: ["sqlite:///flag.db", "sqlite:///env.db", "sqlite:///file.db", "sqlite:///omniforge.db"],
  },
  {
    key: "port",
    flag: ["--port", "1111"],
    env: ["PORT", "2222"],
    file: 3333,
    values: [1111, 2222, 3333, 8080],
  },
  {
    key: "host",
    flag: ["--host", "0.0.0.0"],
    env: ["HOST", "127.0.0.2"],
    file: "127.0.0.3",
    values: ["0.0.0.0", "127.0.0.2", "127.0.0.3", "127.0.0.1"],
  },
  {
    key: "logLevel",
    flag: ["--log-level", "debug"],
    env: ["LOG_LEVEL", "error"],
    file: "warn",
    values: ["debug", "error", "warn", "info"],
  },
  {
    key: "logFormat",
    flag: ["--log-format", "pretty"],
    env: ["LOG_FORMAT", "json"],
    file: "pretty",
    values: ["pretty", "json", "pretty", "json"],
  },
  {
    key: "dir",
    flag: ["--dir", "flag-dir"],
    env: ["OMNIFORGE_DIR", "env-dir"],
    file: "file-dir",
    values: ["flag-dir", "env-dir", "file-dir", ".omniforge"],
  },
  // Commander gives --no-examples an implicit default (true): it must not hide the variable or the file.
  {
    key: "examples",
    flag: ["--examples"],
    env: ["OMNIFORGE_EXAMPLES", "false"],
    file: true,
    values: [true, false, true, true],
  },
  {
    key: "defaultAgents",
    flag: ["--default-agent", "research-agent", "knowledge-agent"],
    env: ["OMNIFORGE_DEFAULT_AGENTS", "knowledge-agent, skill-creation-agent"],
    file: ["skill-creation-agent"],
    values: [
      ["research-agent", "knowledge-agent"],
      ["knowledge-agent", "skill-creation-agent"],
      ["skill-creation-agent"],
      null,
    ],
  },
  {
    key: "agents",
    flag: ["--agent", "http://flag.example:1"],
    env: ["OMNIFORGE_AGENTS", "http://env.example:2,https://env.example:3"],
    file: ["http://file.example:4"],
    values: [
      ["http://flag.example:1"],
      ["http://env.example:2", "https://env.example:3"],
      ["http://file.example:4"],
      null,
    ],
  },
  {
    key: "allowedNetworks",
    flag: ["--allow-network", "10.1.0.0/16"],
    env: ["OMNIFORGE_ALLOWED_NETWORKS", "10.2.0.0/16,*.agents.internal"],
    file: ["private"],
    values: [["10.1.0.0/16"], ["10.2.0.0/16", "*.agents.internal"], ["private"], null],
  },
  {
    key: "rateLimit",
    flag: ["--rate-limit", "10"],
    env: ["OMNIFORGE_RATE_LIMIT", "20"],
    file: 30,
    values: [10, 20, 30, 120],
  },
  {
    key: "rateWindowMs",
    flag: ["--rate-window", "1000"],
    env: ["OMNIFORGE_RATE_WINDOW_MS", "2000"],
    file: 3000,
    values: [1000, 2000, 3000, 60_000],
  },
  {
    key: "secretKeyFile",
    flag: ["--secret-key-file", "/flag.key"],
    env: ["OMNIFORGE_SECRET_KEY_FILE", "/env.key"],
    file: "/file.key",
    values: ["/flag.key", "/env.key", "/file.key", null],
  },
  {
    key: "llm.baseUrl",
    flag: ["--llm-base-url", "http://flag.llm:1/v1"],
    env: ["OMNIFORGE_LLM_BASE_URL", "http://env.llm:2/v1"],
    file: "http://file.llm:3/v1",
    values: ["http://flag.llm:1/v1", "http://env.llm:2/v1", "http://file.llm:3/v1", null],
  },
  {
    key: "llm.model",
    flag: ["--llm-model", "flag-model"],
    env: ["OMNIFORGE_LLM_MODEL", "env-model"],
    file: "file-model",
    values: ["flag-model", "env-model", "file-model", null],
  },
] as const;

/** The config file holding every row's file value (dotted keys nested). */
function fileWithEveryLayer(): Record<string, unknown> {
  const file: Record<string, unknown> = {};
  for (const row of LAYERS) {
    const [head, tail] = row.key.split(".") as [string, string | undefined];
    if (tail === undefined) file[head] = row.file;
    else file[head] = { ...(file[head] as object), [tail]: row.file };
  }
  return file;
}

describe("configuration precedence: flag > env > file > default", () => {
  const flags = LAYERS.flatMap((row) => [...row.flag]);
  const env = Object.fromEntries(LAYERS.map((row) => [...row.env]));
  const cwd = workDir({ "omniforge.config.json": fileWithEveryLayer() });
  const layers = [
    { name: "flag", argv: flags, env, cwd },
    { name: "env", argv: [], env, cwd },
    { name: "file", argv: [], env: {}, cwd },
    { name: "default", argv: [], env: {}, cwd: workDir() },
  ] as const;

  layers.forEach((layer, index) => {
    it(`${layer.name}: every serve setting set in it (and in the layers below) takes its value`, async () => {
      const shown = await effective([...layer.argv], { env: layer.env, cwd: layer.cwd });
      for (const row of LAYERS) {
        const setting = shown.settings[row.key]!;
        expect({ key: row.key, value: setting.value, source: setting.source }).toEqual({
          key: row.key,
          value: row.values[index],
          source: layer.name,
        });
      }
      expect(shown.file).toBe(layer.name === "default" ? null : join(layer.cwd, "omniforge.config.json"));
    });
  });

  it("names where each value came from: the flag, the variable, the file key", async () => {
    const shown = await effective(["--port", "1"], {
      env: { HOST: "127.0.0.9" },
      cwd: workDir({ "omniforge.config.json": { llm: { model: "m", baseUrl: "http://x:1" } } }),
    });
    expect(shown.settings.port).toEqual({ value: 1, source: "flag", from: "--port" });
    expect(shown.settings.host).toEqual({ value: "127.0.0.9", source: "env", from: "HOST" });
    expect(shown.settings["llm.model"]).toEqual({ value: "m", source: "file", from: "llm.model" });
    expect(shown.settings.rateLimit).toEqual({ value: 120, source: "default" });
  });

  it("--config and OMNIFORGE_CONFIG name the file (relative to the working directory); --config wins", async () => {
    const cwd = workDir({
      "a.json": { port: 1001 },
      "b.json": { port: 1002 },
      "omniforge.config.json": { port: 1003 },
    });
    expect(
      (await effective(["--config", "a.json"], { env: { OMNIFORGE_CONFIG: "b.json" }, cwd })).settings.port!
        .value,
    ).toBe(1001);
    const fromEnv = await effective([], { env: { OMNIFORGE_CONFIG: join(cwd, "b.json") }, cwd });
    expect(fromEnv.settings.port!.value).toBe(1002);
    expect(fromEnv.file).toBe(join(cwd, "b.json"));
    expect((await effective([], { cwd })).settings.port!.value).toBe(1003);
  });

  it("an empty variable counts as unset", async () => {
    const shown = await effective([], {
      env: { PORT: "", LOG_LEVEL: "  " },
      cwd: workDir({ "omniforge.config.json": { port: 5 } }),
    });
    expect(shown.settings.port).toEqual({ value: 5, source: "file", from: "port" });
    expect(shown.settings.logLevel).toEqual({ value: "info", source: "default" });
  });

  it("logs are pretty on a terminal and JSON otherwise, unless told", async () => {
    expect((await effective([], { isTTY: true })).settings.logFormat!.value).toBe("pretty");
    expect((await effective([], { isTTY: false })).settings.logFormat!.value).toBe("json");
    expect(
      (await effective([], { isTTY: true, env: { LOG_FORMAT: "json" } })).settings.logFormat!.value,
    ).toBe("json");
  });

  it("one secret key: a higher layer's key file beats a lower layer's key, and both in one layer is an error", async () => {
    const key = SecretKeyring.generateKey();
    const shown = await effective(["--secret-key-file", "/run/secrets/key"], {
      env: { OMNIFORGE_SECRET_KEY: key },
    });
    expect(shown.settings.secretKeyFile).toEqual({
      value: "/run/secrets/key",
      source: "flag",
      from: "--secret-key-file",
    });
    expect(shown.settings.secretKey).toEqual({
      value: null,
      source: "env",
      from: "OMNIFORGE_SECRET_KEY",
      ignored: "--secret-key-file wins",
    });
    const both = await run(["serve"], {
      env: { OMNIFORGE_SECRET_KEY: key, OMNIFORGE_SECRET_KEY_FILE: "/k" },
    });
    expect(both.code).toBe(1);
    expect(both.err).toBe(
      "omniforge: invalid configuration: OMNIFORGE_SECRET_KEY and OMNIFORGE_SECRET_KEY_FILE: set one of them, not both\n",
    );
  });

  it("the --db commands read DATABASE_URL and the config file too", async () => {
    const fromEnv = `sqlite:///${tempSqlitePath()}`;
    const fromFile = `sqlite:///${tempSqlitePath()}`;
    const cwd = workDir({ "omniforge.config.json": { databaseUrl: fromFile } });
    const create = ["keys", "create", "--tenant", "acme", "--user", "alice", "--role", "admin"];
    expect((await run(create, { env: { DATABASE_URL: fromEnv }, cwd })).code).toBe(0);
    const listed = await run(["keys", "list", "--tenant", "acme", "--db", fromEnv], { cwd });
    expect(listed.out).toContain("alice");
    const inFile = await run(["keys", "list", "--tenant", "acme"], { cwd });
    expect(inFile.out).toBe("No API keys for tenant acme.\n");
    expect((await run(["migrate"], { env: { DATABASE_URL: fromEnv }, cwd })).out).toContain(
      "Database ready (sqlite)",
    );
  });
});

describe("the README's configuration table", () => {
  it("lists every setting with its real flags, variable and file key, and nothing else", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("### Configuration"));
    const table = section.slice(
      section.indexOf("| setting | flag |"),
      section.indexOf("\n\n", section.indexOf("| setting |")),
    );
    const rows = table
      .split("\n")
      .slice(2)
      .map((row) => row.split(" | ").map((cell) => cell.replace(/^\| |\s\|$/g, "")));
    const code = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    expect(
      rows.map((row) => ({ flags: code(row[1]!), env: code(row[2]!)[0], fileKey: code(row[3]!)[0] })),
    ).toEqual(
      Object.values(SETTINGS).map((spec) => ({
        flags: [...spec.flags],
        env: spec.env,
        fileKey: spec.fileKey,
      })),
    );
  });
});

describe("omniforge config", () => {
  const key = SecretKeyring.generateKey();
  const secrets = {
    env: {
      OMNIFORGE_SECRET_KEY: `k2:${key}`,
      DATABASE_URL: "postgres://alice:s3cret-pw@db.internal:5432/omniforge?sslmode=require",
    },
    cwd: workDir({
      "omniforge.config.json": {
        llm: { baseUrl: "http://localhost:11434/v1", model: "llama3.1", apiKey: "sk-live-abc123" },
      },
    }),
  };

  it("masks the secret key, the LLM API key and the database password, and says where each came from", async () => {
    const result = await run(["config", "--port", "9000"], secrets);
    expect(result.code).toBe(0);
    for (const secret of [key, "s3cret-pw", "sk-live-abc123"]) {
      expect(result.out).not.toContain(secret);
    }
    const line = (setting: string) =>
      result.out
        .split("\n")
        .find((l) => l.startsWith(`${setting} `))!
        .split(/\s{2,}/);
    expect(line("secretKey")).toEqual(["secretKey", "********", "env OMNIFORGE_SECRET_KEY"]);
    expect(line("llm.apiKey")).toEqual(["llm.apiKey", "********", "file llm.apiKey"]);
    expect(line("databaseUrl")).toEqual([
      "databaseUrl",
      "postgres://alice:********@db.internal:5432/omniforge?sslmode=require",
      "env DATABASE_URL",
    ]);
    expect(line("port")).toEqual(["port", "9000", "flag --port"]);
    expect(line("rateLimit")).toEqual(["rateLimit", "120", "default"]);
    expect(line("llm.model")).toEqual(["llm.model", "llama3.1", "file llm.model"]);
    expect(result.out.split("\n")[0]).toBe(
      `Config file: ${join(secrets.cwd, "omniforge.config.json")} (from the working directory)`,
    );
  });

  it("--json masks them too", async () => {
    const result = await run(["config", "--json"], secrets);
    for (const secret of [key, "s3cret-pw", "sk-live-abc123"]) expect(result.out).not.toContain(secret);
    const shown = JSON.parse(result.out) as Shown;
    expect(shown.settings.secretKey!.value).toBe("********");
    expect(shown.settings["llm.apiKey"]!.value).toBe("********");
    expect(shown.settings.databaseUrl!.value).toBe(
      "postgres://alice:********@db.internal:5432/omniforge?sslmode=require",
    );
    expect(Object.keys(shown.settings)).toEqual([
      "databaseUrl",
      "port",
      "host",
      "logLevel",
      "logFormat",
      "secretKey",
      "secretKeyFile",
      "dir",
      "examples",
      "agents",
      "defaultAgents",
      "allowedNetworks",
      "rateLimit",
      "rateWindowMs",
      "llm.baseUrl",
      "llm.apiKey",
      "llm.model",
    ]);
  });

  it("masks a password given as a query parameter", async () => {
    const shown = await effective([], {
      env: { DATABASE_URL: "postgres://db/omniforge?user=a&password=pw-123" },
    });
    expect(shown.settings.databaseUrl!.value).toBe("postgres://db/omniforge?user=a&password=********");
  });
});

describe("invalid configuration: exit 1, the source and what is wrong, no stack", () => {
  const failsWith = async (argv: string[], options: Parameters<typeof start>[1], message: string) => {
    const result = await run(argv, options);
    expect(result.code).toBe(1);
    expect(result.err).toBe(`omniforge: invalid configuration: ${message}\n`);
    expect(result.out).toBe("");
  };

  it("a bad environment variable is named with its value", async () => {
    await failsWith(["serve"], { env: { PORT: "eighty" } }, 'PORT="eighty": must be an integer in 0..65535');
    await failsWith(
      ["serve"],
      { env: { OMNIFORGE_EXAMPLES: "maybe" } },
      'OMNIFORGE_EXAMPLES="maybe": must be true or false',
    );
    await failsWith(
      ["serve"],
      { env: { LOG_LEVEL: "loud" } },
      'LOG_LEVEL="loud": must be one of fatal, error, warn, info, debug, trace, silent',
    );
    await failsWith(
      ["serve"],
      { env: { OMNIFORGE_AGENTS: "http://ok.example,ftp://files.example" } },
      'OMNIFORGE_AGENTS="http://ok.example,ftp://files.example": [1] must be an http:// or https:// URL',
    );
  });

  it("a secret's value is never echoed", async () => {
    await failsWith(
      ["serve"],
      { env: { OMNIFORGE_SECRET_KEY: "not-a-real-key" } },
      "OMNIFORGE_SECRET_KEY: key 1: a key must be 32 random bytes in base64 or hex (generate one with `omniforge secrets generate`)",
    );
    const result = await run(["serve"], { env: { DATABASE_URL: "mysql://root:hunter2@db/x" } });
    expect(result.err).toContain('DATABASE_URL: unsupported scheme "mysql"');
    expect(result.err).not.toContain("hunter2");
  });

  it("a bad flag is named with its value", async () => {
    await failsWith(["serve", "--rate-limit", "0"], {}, '--rate-limit "0": must be a positive integer');
  });

  it("a bad file value names the file and the key", async () => {
    const cwd = workDir({ "omniforge.config.json": { port: "8080" } });
    await failsWith(
      ["serve"],
      { cwd },
      `${join(cwd, "omniforge.config.json")}: port: must be an integer in 0..65535`,
    );
  });

  it("an unknown key, top level or nested, is an error naming it", async () => {
    const cwd = workDir({ "omniforge.config.json": { prot: 8080, llm: { modle: "x" } } });
    const path = join(cwd, "omniforge.config.json");
    const result = await run(["serve"], { cwd });
    expect(result.code).toBe(1);
    expect(result.err).toContain(`${path}: unknown key "prot" (known: databaseUrl, port, host,`);
    expect(result.err).toContain(`${path}: unknown key "llm.modle" (known: baseUrl, apiKey, model)`);
    expect(result.err).not.toMatch(/\n\s+at /);
  });

  it("a file that is not JSON, not an object, or missing", async () => {
    const cwd = workDir({ "broken.json": '{ "port": 80,', "list.json": "[1]" });
    await failsWith(
      ["serve", "--config", "broken.json"],
      { cwd },
      `${join(cwd, "broken.json")}:1:14: not valid JSON: the file ends too early`,
    );
    await failsWith(
      ["serve", "--config", "list.json"],
      { cwd },
      `${join(cwd, "list.json")}: must be a JSON object of settings`,
    );
    await failsWith(
      ["serve"],
      { cwd, env: { OMNIFORGE_CONFIG: "gone.json" } },
      `config file ${join(cwd, "gone.json")} (from OMNIFORGE_CONFIG): no such file`,
    );
  });

  it("the LLM endpoint needs a model", async () => {
    await failsWith(
      ["agent", "llm"],
      { env: { OMNIFORGE_LLM_BASE_URL: "http://localhost:11434/v1" } },
      "OMNIFORGE_LLM_BASE_URL is set but no model is: set OMNIFORGE_LLM_MODEL, --llm-model or llm.model",
    );
  });

  it("every problem is listed at once", async () => {
    const result = await run(["serve"], { env: { PORT: "-1", OMNIFORGE_RATE_WINDOW_MS: "1.5" } });
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      "omniforge: invalid configuration:\n" +
        '  PORT="-1": must be an integer in 0..65535\n' +
        '  OMNIFORGE_RATE_WINDOW_MS="1.5": must be a positive integer\n',
    );
  });
});

describe("serve and agent take their configuration", () => {
  it("serve --default-agent with an id it does not run fails and lists the agents", async () => {
    const argv = [
      "serve",
      "--db",
      `sqlite:///${tempSqlitePath()}`,
      "--dir",
      workDir(),
      "--port",
      "0",
      "--log-level",
      "silent",
    ];
    const flag = await run([...argv, "--default-agent", "knowledge-agent", "nope-agent"]);
    expect(flag.code).toBe(1);
    // With JSON logs (not a terminal) serve's own lines go to stderr too; the error is the last.
    expect(flag.err.split("\n").at(-2)).toBe(
      'omniforge: --default-agent: "nope-agent" is not an agent this gateway runs; ' +
        "the agents are: knowledge-agent, research-agent, skill-creation-agent",
    );
    const env = await run(argv, { env: { OMNIFORGE_DEFAULT_AGENTS: "ghost,phantom" } });
    expect(env.code).toBe(1);
    expect(env.err.split("\n").at(-2)).toBe(
      'omniforge: OMNIFORGE_DEFAULT_AGENTS: "ghost", "phantom" are not agents this gateway runs; ' +
        "the agents are: knowledge-agent, research-agent, skill-creation-agent",
    );
  });

  it("serve with pretty logs: readable lines and the serve text on stdout, in order; stops on the signal", async () => {
    const stop = new AbortController();
    const serve = start(["serve", "--no-examples"], {
      env: {
        DATABASE_URL: `sqlite:///${tempSqlitePath()}`,
        OMNIFORGE_DIR: workDir(),
        PORT: "0",
        LOG_FORMAT: "pretty",
      },
      signal: stop.signal,
    });
    await serve.until("omniforge keys create");
    const url = /gateway on (http:\/\/\S+)/.exec(serve.out())![1]!;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    stop.abort();
    expect(await serve.code).toBe(0);
    const lines = serve.out().trimEnd().split("\n");
    expect(lines.some((line) => line.startsWith("{"))).toBe(false);
    const listening = lines.findIndex((line) =>
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: gateway listening /.test(line),
    );
    expect(listening).toBeGreaterThan(
      lines.findIndex((line) => line.startsWith("Migrating sqlite database")),
    );
    expect(listening).toBeLessThan(lines.findIndex((line) => line.startsWith("OmniForge gateway on")));
    expect(lines.at(-1)).toBe("Shutting down...");
    expect(serve.err()).toBe("");
  });

  it("agent takes its port, host and LLM endpoint from the environment", async () => {
    const stop = new AbortController();
    const agent = start(["agent", "llm"], {
      env: {
        HOST: "127.0.0.1",
        PORT: "0",
        OMNIFORGE_LLM_BASE_URL: "http://127.0.0.1:9/v1",
        OMNIFORGE_LLM_MODEL: "test-model",
        OMNIFORGE_LLM_API_KEY: "sk-test",
      },
      signal: stop.signal,
    });
    await agent.until("A2A card:");
    const url = /listening on (http:\/\/\S+)/.exec(agent.out())![1]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/.well-known/agent-card.json`)).status).toBe(200);
    stop.abort();
    expect(await agent.code).toBe(0);
  });
});

describe("a real serve process configured by environment variables only", () => {
  it("listens where PORT and HOST say, uses DATABASE_URL and the default agents, logs JSON lines on stdout", async () => {
    const databaseUrl = `sqlite:///${tempSqlitePath()}`;
    const env = {
      PATH: process.env.PATH ?? "",
      DATABASE_URL: databaseUrl,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      OMNIFORGE_DIR: workDir(),
      OMNIFORGE_SECRET_KEY: SecretKeyring.generateKey(),
      OMNIFORGE_DEFAULT_AGENTS: "research-agent",
      OMNIFORGE_RATE_LIMIT: "500",
    };
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      while (!stderr.includes("omniforge keys create")) await once(child.stderr, "data");
      const url = /gateway on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)![1]!;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      // The key file was not needed: the key came from OMNIFORGE_SECRET_KEY.
      expect(stderr).not.toContain("Created a secret key");
      expect(stderr).toMatch(/agent research-agent\s+http:\S+ {2}\(default\)\n/);
      expect(stderr).toMatch(/agent knowledge-agent\s+http:\S+\n/);

      // keys create reads the same DATABASE_URL (no --db).
      const created = await run(
        ["keys", "create", "--tenant", "acme", "--user", "alice", "--role", "admin"],
        {
          env: { DATABASE_URL: databaseUrl },
        },
      );
      const key = /\n {2}(of_\S+)\n/.exec(created.out)![1]!;
      const agents = (await (
        await fetch(`${url}/v1/agents`, { headers: { authorization: `Bearer ${key}` } })
      ).json()) as {
        agents: { card: { identity: { id: string } }; isDefault: boolean }[];
      };
      expect(agents.agents.filter((a) => a.isDefault).map((a) => a.card.identity.id)).toEqual([
        "research-agent",
      ]);
      const limit = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${key}` } });
      expect(limit.headers.get("x-ratelimit-limit")).toBe("500");

      // Not a terminal: stdout holds only JSON log lines, the text for people went to stderr.
      const lines = stdout.trimEnd().split("\n");
      const events = lines.map(
        (line) => JSON.parse(line) as { msg?: string; url?: string; defaultAgentIds?: string[] },
      );
      expect(events.find((e) => e.msg === "gateway listening")).toMatchObject({
        url,
        defaultAgentIds: ["research-agent"],
      });
    } finally {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
  });
});
