/** `omniforge secrets generate|rotate`: the key that encrypts agent credentials at rest. */
import type { Command } from "commander";
import { SqlHandoffStore } from "../../storage/sql/sql-handoff-store.js";
import { SecretKeyring } from "../../security/secret-keyring.js";
import { SqlAgentDirectory } from "../../storage/sql/sql-agent-directory.js";
import { CliFailure, withDatabase, type CliIo } from "../cli-support.js";
import { addSettingOptions, commandConfig } from "../config/config-options.js";
import type { SettingKey } from "../config/settings.js";
import { configuredKeyring, secretKeySettings } from "../secrets.js";

const ROTATE_SETTINGS: readonly SettingKey[] = ["databaseUrl", "secretKey", "secretKeyFile"];

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
  const rotate = secrets
    .command("rotate")
    .description(
      "Re-encrypt every stored credential with the current key: set OMNIFORGE_SECRET_KEY to 'new,old' first",
    );
  addSettingOptions(rotate, ROTATE_SETTINGS).action(async (_options: unknown, self: Command) => {
    const loaded = commandConfig(self, ROTATE_SETTINGS, io);
    const keyring = configuredKeyring(secretKeySettings(loaded));
    if (!keyring) {
      throw new CliFailure(
        "no key configured: set OMNIFORGE_SECRET_KEY (newest key first) or OMNIFORGE_SECRET_KEY_FILE",
      );
    }
    await withDatabase(loaded.values.databaseUrl!, async (database) => {
      const agents = await new SqlAgentDirectory({ database, secrets: keyring }).sealCredentials();
      const sessions = await new SqlHandoffStore(database).resealCredentials(keyring);
      io.stdout(
        `Re-encrypted with key ${keyring.currentKeyId}: ${agents} registered agent(s), ${sessions} handoff session(s).\n`,
      );
    });
  });
}
