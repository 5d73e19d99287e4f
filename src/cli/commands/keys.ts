/** `omniforge keys create|list|revoke`: the gateway's API keys (stored hashed). */
import type { Command } from "commander";
import { ApiKeyService } from "../../security/api-keys.js";
import { Role } from "../../security/rbac.js";
import { CliFailure, withDatabase, type CliIo } from "../cli-support.js";
import { commandDatabaseUrl, databaseCommand } from "../config/config-options.js";
import { formatTable } from "../table.js";

export function addKeysCommand(program: Command, io: CliIo): void {
  const keys = program.command("keys").description("Manage gateway API keys (stored hashed)");
  databaseCommand(keys, "create")
    .description("Create an API key; it is printed once and only its hash is stored")
    .requiredOption("--tenant <id>", "tenant the key acts for")
    .requiredOption("--user <id>", "user the key acts as")
    .requiredOption("--role <role>", `role: ${Object.values(Role).join(", ")}`)
    .option("--name <name>", "a label for listings", "cli")
    .action(async (options: { tenant: string; user: string; role: string; name: string }, self: Command) => {
      await withDatabase(commandDatabaseUrl(self, io), async (database) => {
        const created = await new ApiKeyService(database).create({
          tenantId: options.tenant,
          userId: options.user,
          role: options.role as Role,
          name: options.name,
        });
        io.stdout(
          `Created key ${created.id} (${created.role} for ${created.userId} in ${created.tenantId}):\n\n  ${created.key}\n\nStore it now: it cannot be shown again.\n`,
        );
      });
    });
  databaseCommand(keys, "list")
    .description("List a tenant's API keys (never the secrets)")
    .requiredOption("--tenant <id>", "tenant id")
    .action(async (options: { tenant: string }, self: Command) => {
      await withDatabase(commandDatabaseUrl(self, io), async (database) => {
        const list = await new ApiKeyService(database).list({ tenantId: options.tenant });
        if (list.length === 0) {
          io.stdout(`No API keys for tenant ${options.tenant}.\n`);
          return;
        }
        const rows = list.map((k) => [
          k.id,
          `${k.prefix}…`,
          k.role,
          k.userId,
          k.name,
          k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : "active",
        ]);
        io.stdout(formatTable(["ID", "PREFIX", "ROLE", "USER", "NAME", "STATUS"], rows));
      });
    });
  databaseCommand(keys, "revoke <keyId>")
    .description("Revoke an API key")
    .requiredOption("--tenant <id>", "tenant id")
    .action(async (keyId: string, options: { tenant: string }, self: Command) => {
      await withDatabase(commandDatabaseUrl(self, io), async (database) => {
        const revoked = await new ApiKeyService(database).revoke({ id: keyId, tenantId: options.tenant });
        if (!revoked) throw new CliFailure(`no active key ${keyId} in tenant ${options.tenant}`);
        io.stdout(`Revoked ${keyId}.\n`);
      });
    });
}
