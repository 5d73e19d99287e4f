/**
 * The bridge between Commander and the settings table: each command declares the settings it reads
 * (their flags and `--config` are added from the table) and gets them resolved from flag, environment,
 * config file and default.
 */
import { Option, type Command } from "commander";
import type { CliIo } from "../cli-support.js";
import {
  loadConfig,
  resolveConfig,
  type FlagValues,
  type LoadConfigOptions,
  type LoadedConfig,
} from "./load-config.js";
import { CONFIG_ENV, CONFIG_FILE_NAME, SETTINGS, type CliConfig, type SettingKey } from "./settings.js";

/**
 * Adds the flags of `keys`, and `--config <path>`, to `command`. No Commander defaults: see
 * {@link commandConfig}. `defaults`: this command's own defaults (as given to commandConfig), for the help.
 */
export function addSettingOptions(
  command: Command,
  keys: readonly SettingKey[],
  defaults: Partial<CliConfig> = {},
): Command {
  for (const key of keys) {
    const spec = SETTINGS[key];
    const defaultText = key in defaults ? String(defaults[key]) : spec.defaultText;
    spec.flags.forEach((flags, index) => {
      const where = [spec.env ? `env ${spec.env}` : "", `file ${spec.fileKey}`, `default ${defaultText}`];
      const help = spec.help[index] ?? "";
      command.option(flags, index === 0 ? `${help} [${where.filter(Boolean).join("; ")}]` : help);
    });
  }
  return command.option(
    "--config <path>",
    `a JSON config file [env ${CONFIG_ENV}; default ./${CONFIG_FILE_NAME} when present]`,
  );
}

/**
 * The settings `keys` of a command, flag > environment > config file > default. Only flags the user
 * typed count (`getOptionValueSource(...) === "cli"`), so no Commander default can hide an
 * environment variable or a file value.
 */
export function commandConfig(
  command: Command,
  keys: readonly SettingKey[],
  io: CliIo,
  defaults?: Partial<CliConfig>,
): LoadedConfig {
  return loadConfig(loadOptions(command, keys, io, defaults));
}

/** As {@link commandConfig}, but every problem is returned beside what could be resolved, not thrown. */
export function commandConfigReport(
  command: Command,
  keys: readonly SettingKey[],
  io: CliIo,
): { loaded: LoadedConfig; problems: string[] } {
  return resolveConfig(loadOptions(command, keys, io));
}

function loadOptions(
  command: Command,
  keys: readonly SettingKey[],
  io: CliIo,
  defaults?: Partial<CliConfig>,
): LoadConfigOptions {
  const flags: FlagValues = {};
  for (const key of keys) {
    for (const declared of SETTINGS[key].flags) {
      const option = new Option(declared);
      const name = option.attributeName();
      if (command.getOptionValueSource(name) !== "cli") continue;
      const raw: unknown = command.getOptionValue(name);
      // `--examples` / `--no-examples` share one value: name the one that set it.
      if (typeof raw === "boolean" && option.negate === raw) continue;
      flags[key] = { flag: option.long ?? declared, raw: raw as string | string[] | boolean };
    }
  }
  const configPath =
    command.getOptionValueSource("config") === "cli" ? command.getOptionValue("config") : undefined;
  return {
    keys,
    flags,
    configPath: typeof configPath === "string" ? configPath : undefined,
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
    isTTY: io.isTTY ?? false,
    ...(defaults ? { defaults } : {}),
  };
}

/** The database URL of a command that only needs the database (`--db`, `DATABASE_URL`, the file, the default). */
export function commandDatabaseUrl(command: Command, io: CliIo): string {
  return commandConfig(command, ["databaseUrl"], io).values.databaseUrl!;
}

/** A subcommand of `parent` that reads only the database settings (`--db` and `--config`). */
export function databaseCommand(parent: Command, nameAndArgs: string): Command {
  return addSettingOptions(parent.command(nameAndArgs), ["databaseUrl"]);
}
