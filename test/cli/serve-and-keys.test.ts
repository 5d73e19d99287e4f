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

describe("omniforge keys list", () => {
  it("prints a header and columns aligned to the widest cell, with no trailing spaces", async () => {
    const db = `sqlite:///${tempSqlitePath()}`;
    const users = [
      ["alice", "admin", "cli"],
      ["bartholomew-the-long-named", "end_user", "a much longer label"],
      ["bo", "operator", "x"],
    ] as const;
    const ids: string[] = [];
    for (const [user, role, name] of users) {
      const created = capture();
      const args = ["keys", "create", "--db", db, "--tenant", "acme", "--user", user, "--role", role];
      expect(await runCli([...args, "--name", name], created.io)).toBe(0);
      ids.push(/Created key (\S+)/.exec(created.out())![1]!);
    }
    expect(await runCli(["keys", "revoke", ids[0]!, "--db", db, "--tenant", "acme"], capture().io)).toBe(0);

    const listed = capture();
    expect(await runCli(["keys", "list", "--db", db, "--tenant", "acme"], listed.io)).toBe(0);
    const lines = listed.out().trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    const header = lines[0]!;
    expect(header.split(/\s+/)).toEqual(["ID", "PREFIX", "ROLE", "USER", "NAME", "STATUS"]);
    for (const line of lines) expect(line).toBe(line.trimEnd());
    // Every column starts where its heading does, right after a gap of at least two spaces.
    const starts = ["PREFIX", "ROLE", "USER", "NAME", "STATUS"].map((h) => header.indexOf(h));
    for (const line of lines.slice(1)) {
      for (const start of starts) {
        expect(line.slice(start - 2, start)).toBe("  ");
        expect(line[start]).not.toBe(" ");
      }
    }
    // The widest cell sets the width: the long user name is followed by exactly the two-space gap.
    const long = lines.find((l) => l.includes("bartholomew-the-long-named"))!;
    expect(long.indexOf("bartholomew-the-long-named") + "bartholomew-the-long-named".length + 2).toBe(
      header.indexOf("NAME"),
    );
    expect(lines.find((l) => l.startsWith(ids[0]!))).toMatch(/ {2}revoked \d{4}-/);
    expect(lines.filter((l) => l.endsWith("  active"))).toHaveLength(2);
  });

  it("says so when the tenant has no keys (no header)", async () => {
    const listed = capture();
    const db = `sqlite:///${tempSqlitePath()}`;
    expect(await runCli(["keys", "list", "--db", db, "--tenant", "acme"], listed.io)).toBe(0);
    expect(listed.out()).toBe("No API keys for tenant acme.\n");
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
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      // Not a terminal: logs are JSON lines on stdout, and serve's own text is on stderr.
      let output = "";
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      while (!output.includes("omniforge keys create")) await once(child.stderr, "data");
      const url = /gateway on (http:\/\/\S+)/.exec(output)![1]!;
      expect(output).toContain(
        `No API keys yet. Create one:\n  npx omniforge keys create --db ${db} --tenant`,
      );
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
