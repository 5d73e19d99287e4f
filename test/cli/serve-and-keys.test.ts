import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { tempSqlitePath } from "../helpers/databases.js";
import { capture } from "../helpers/cli.js";

describe("omniforge keys", () => {
  it("creates (printed once), lists (never the secret) and revokes keys", async () => {
    const db = `sqlite:///${tempSqlitePath()}`;
    const created = capture();
    expect(
      await runCli(
        ["keys", "create", "--db", db, "--tenant", "acme", "--user", "alice", "--role", "admin"],
        created.io,
      ),
    ).toBe(0);
    const key = /\n {2}(of_\S+)\n/.exec(created.out())?.[1];
    const id = /Created key (\S+)/.exec(created.out())?.[1];
    expect(key).toMatch(/^of_/);
    const listed = capture();
    expect(await runCli(["keys", "list", "--db", db, "--tenant", "acme"], listed.io)).toBe(0);
    expect(listed.out()).toContain(id!);
    expect(listed.out()).toContain("active");
    expect(listed.out()).not.toContain(key!);
    expect(await runCli(["keys", "revoke", id!, "--db", db, "--tenant", "acme"], capture().io)).toBe(0);
    const again = capture();
    expect(await runCli(["keys", "revoke", id!, "--db", db, "--tenant", "acme"], again.io)).toBe(1);
    expect(again.err()).toContain(`no active key ${id}`);
    const bad = capture();
    expect(
      await runCli(
        ["keys", "create", "--db", db, "--tenant", "acme", "--user", "bob", "--role", "root"],
        bad.io,
      ),
    ).toBe(1);
    expect(bad.err()).toContain("role: must be one of");
  });
});

describe("omniforge serve", () => {
  it("serves the gateway with the example agents; a key from `keys create` can chat", async () => {
    const db = `sqlite:///${tempSqlitePath()}`;
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "src/cli/main.ts",
        "serve",
        "--db",
        db,
        "--port",
        "0",
        "--log-level",
        "silent",
        "--dir",
        tempSqlitePath("agent-dir"),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      while (!output.includes("omniforge keys create")) await once(child.stdout, "data");
      const url = /gateway on (http:\/\/\S+)/.exec(output)![1]!;
      expect(output).toContain("No API keys yet");
      expect(output).toContain("agent skill-creation-agent");

      const created = capture();
      await runCli(
        ["keys", "create", "--db", db, "--tenant", "acme", "--user", "alice", "--role", "operator"],
        created.io,
      );
      const key = /\n {2}(of_\S+)\n/.exec(created.out())![1]!;
      const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };

      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/v1/threads`)).status).toBe(401);
      const thread = (await (
        await fetch(`${url}/v1/threads`, { method: "POST", headers, body: JSON.stringify({ title: "cli" }) })
      ).json()) as {
        id: string;
      };
      const reply = await fetch(`${url}/v1/threads/${thread.id}/messages`, {
        method: "POST",
        headers,
        body: JSON.stringify({ message: "Which roles can cancel a handoff?" }),
      });
      expect(reply.status).toBe(200);
      const body = (await reply.json()) as { reply: string; agentId: string };
      expect(body.reply).toContain("handoffs.md");
      expect((await fetch(`${url}/`)).headers.get("content-type")).toContain("text/html");
    } finally {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
  });
});
