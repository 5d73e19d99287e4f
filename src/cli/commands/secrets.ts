/** `omniforge secrets generate|rotate`: the key that encrypts agent credentials at rest. */
import type { Command } from "commander";
import { SqlHandoffStore } from "../../storage/sql/sql-handoff-store.js";
import { SecretKeyring } from "../../security/secret-keyring.js";
import { SqlAgentDirectory } from "../../storage/sql/sql-agent-directory.js";
import { CliFailure, DEFAULT_DATABASE_URL, withDatabase, type CliIo } from "../cli-support.js";

export function addSecretsCommand(program: Command, io: CliIo): void {
  const secrets = program
    .command("secrets")
    .description("The key that encrypts agent credentials at rest (OMNIFORGE_SECRET_KEY)");
  secrets
    .command("generate")
    .description("Print a new random key (put it in OMNIFORGE_SECRET_KEY or a key file)")
    .action(() => {
      io.stdout(`${SecretKeyring.generateKey()}\n`);
    });
  secrets
    .command("rotate")
    .description(
      "Re-encrypt every stored credential with the current key: set OMNIFORGE_SECRET_KEY to 'new,old' first",
    )
    .option("--db <url>", "database URL", DEFAULT_DATABASE_URL)
    .action(async (options: { db: string }) => {
      const keyring = SecretKeyring.fromEnvironment();
      if (!keyring) {
        throw new CliFailure(
          "no key configured: set OMNIFORGE_SECRET_KEY (newest key first) or OMNIFORGE_SECRET_KEY_FILE",
        );
      }
      await withDatabase(options.db, async (database) => {
        const agents = await new SqlAgentDirectory({ database, secrets: keyring }).sealCredentials();
        const sessions = await new SqlHandoffStore(database).resealCredentials(keyring);
        io.stdout(
          `Re-encrypted with key ${keyring.currentKeyId}: ${agents} registered agent(s), ${sessions} handoff session(s).\n`,
        );
      });
    });
}
