import { describe, expect, it } from "vitest";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import { runCli } from "../../src/cli/program.js";
import { SqlConversationRepository } from "../../src/storage/sql/sql-conversation-repository.js";
import { HandoffManager } from "../../src/orchestration/handoff-manager.js";
import { SecretKeyring } from "../../src/security/secret-keyring.js";
import { Database } from "../../src/storage/database.js";
import { SqlAgentDirectory } from "../../src/storage/sql/sql-agent-directory.js";
import { startAgent } from "../helpers/agents.js";
import { tempSqlitePath } from "../helpers/databases.js";
import { LOOPBACK } from "../helpers/network.js";
import { capture } from "../helpers/cli.js";

const card = {
  identity: { id: "billing", name: "Billing" },
  service: {
    endpoint: "https://billing.example.com",
    auth: { type: "bearer" as const, token: "billing-token" },
  },
};

describe("omniforge secrets", () => {
  it("generate prints a usable 32-byte key, different every time", async () => {
    const one = capture();
    const two = capture();
    expect(await runCli(["secrets", "generate"], one.io)).toBe(0);
    expect(await runCli(["secrets", "generate"], two.io)).toBe(0);
    expect(one.out()).not.toBe(two.out());
    expect(SecretKeyring.parse(one.out().trim()).keyIds).toHaveLength(1);
  });

  it("rotate re-encrypts stored credentials with the newest key; the old key can then be retired", async () => {
    const db = `sqlite:///${tempSqlitePath()}`;
    const oldKey = `old:${SecretKeyring.generateKey()}`;
    const newKey = `new:${SecretKeyring.generateKey()}`;
    const specialist = await startAgent({
      id: "specialist",
      onHandoffRequest: async () => ({ accepted: true }),
    });
    let threadId: string;
    {
      await using database = new Database(db);
      await database.initialize();
      const secrets = SecretKeyring.parse(oldKey);
      await new SqlAgentDirectory({ database, secrets }).register("acme", card);
      // A handoff whose caller-supplied card carries credentials: sealed into the session.
      const repo = new SqlConversationRepository(database);
      threadId = (await repo.createConversation({ tenantId: "acme", userId: "alice" })).id;
      await using client = new A2AClient({ network: LOOPBACK });
      await new HandoffManager({ a2aClient: client, conversationRepo: repo, secrets }).initiateHandoff({
        threadId,
        tenantId: "acme",
        userId: "alice",
        sourceAgentId: "main",
        targetAgentCard: {
          ...specialist.card,
          service: { endpoint: specialist.url, auth: { type: "bearer", token: "t" } },
        },
        contextSummary: "",
        handoffReason: "rotation",
      });
    }
    await specialist.close();
    // The environment is handed to the CLI (process.env stays untouched).
    const rotated = capture();
    const env = { OMNIFORGE_SECRET_KEY: `${newKey},${oldKey}` };
    expect(await runCli(["secrets", "rotate", "--db", db], { ...rotated.io, env })).toBe(0);
    expect(rotated.out()).toContain("Re-encrypted with key new: 1 registered agent(s), 1 handoff session(s)");

    await using database = new Database(db);
    const onlyNew = new SqlAgentDirectory({ database, secrets: SecretKeyring.parse(newKey) });
    expect((await onlyNew.get("acme", "billing"))?.service?.auth).toEqual({
      type: "bearer",
      token: "billing-token",
    });
    const session = await database.db
      .selectFrom("handoff_sessions")
      .selectAll()
      .where("thread_id", "=", threadId)
      .executeTakeFirstOrThrow();
    expect(session.target_credentials_key_id).toBe("new");

    const keyless = capture();
    expect(await runCli(["secrets", "rotate", "--db", db], { ...keyless.io, env: {} })).toBe(1);
    expect(keyless.err()).toContain("no key configured");
  });

  it("credentials a v0.1 gateway stored in clear are sealed on the next start, and refused without a key", async () => {
    const db = `sqlite:///${tempSqlitePath()}`;
    await using database = new Database(db);
    await database.initialize();
    // What OmniForge 0.1 wrote: the card with its auth, in clear.
    await database.db
      .insertInto("tenant_agents")
      .values({
        tenant_id: "acme",
        agent_id: "billing",
        card: JSON.stringify(card),
        created_at: new Date().toISOString(),
        credentials: null,
        credentials_key_id: null,
        updated_at: null,
      })
      .execute();
    await expect(new SqlAgentDirectory({ database }).sealCredentials()).rejects.toThrow(/in clear/);
    const keyring = SecretKeyring.parse(SecretKeyring.generateKey());
    const directory = new SqlAgentDirectory({ database, secrets: keyring });
    expect(await directory.sealCredentials()).toBe(1);
    const row = await database.db.selectFrom("tenant_agents").selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain("billing-token");
    expect((await directory.get("acme", "billing"))?.service?.auth).toEqual(card.service.auth);
    expect(await directory.sealCredentials()).toBe(0);
  });
});
