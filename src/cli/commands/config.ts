/** `omniforge config`: the effective configuration of `serve`, where each value came from, secrets masked. */
import type { Command } from "commander";
import { CliFailure, type CliIo } from "../cli-support.js";
import { addSettingOptions, commandConfigReport } from "../config/config-options.js";
import { type LoadedConfig, type SettingSource } from "../config/load-config.js";
import { maskedValue } from "../config/mask.js";
import { CONFIG_ENV, CONFIG_FILE_NAME, SERVE_SETTINGS, SETTINGS } from "../config/settings.js";
import { formatTable } from "../table.js";

export function addConfigCommand(program: Command, io: CliIo): void {
  const command = program
    .command("config")
    .description(
      "Print the configuration `serve` would run with (same flags) and where each value came from: " +
        "flag, env, file or default. Secrets are masked.",
    )
    .option("--json", "print JSON: { file, settings: { <key>: { value, source, from? } }, problems: [] }");
  addSettingOptions(command, SERVE_SETTINGS).action((options: { json?: boolean }, self: Command) => {
    // Shown even when invalid, with every problem listed: that is when one needs to see it.
    const { loaded, problems } = commandConfigReport(self, SERVE_SETTINGS, io);
    io.stdout(
      options.json ? `${JSON.stringify({ ...configJson(loaded), problems }, null, 2)}\n` : configText(loaded),
    );
    if (problems.length > 0) {
      throw new CliFailure(
        `invalid configuration (serve would not start):\n${problems.map((p) => `  ${p}`).join("\n")}`,
      );
    }
  });
}

interface ShownSetting {
  value: unknown;
  source: SettingSource["kind"];
  /** The flag, the variable or the file key. */
  from?: string;
  /** Set, but another setting won (`secretKey` against `secretKeyFile`). */
  ignored?: string;
}

function configJson(loaded: LoadedConfig): { file: string | null; settings: Record<string, ShownSetting> } {
  const settings: Record<string, ShownSetting> = {};
  for (const key of SERVE_SETTINGS) {
    const source = loaded.sources[key];
    const ignored = loaded.ignored[key];
    settings[SETTINGS[key].fileKey] = {
      value: maskedValue(key, loaded.values[key]) ?? null,
      source: source.kind,
      ...(source.kind === "flag" ? { from: source.flag } : {}),
      ...(source.kind === "env" ? { from: source.variable } : {}),
      ...(source.kind === "file" ? { from: source.key } : {}),
      ...(ignored ? { ignored } : {}),
    };
  }
  return { file: loaded.file ?? null, settings };
}

/** The settings as a table; an invalid one says so (the problems themselves go to standard error). */
function configText(loaded: LoadedConfig): string {
  const { settings } = configJson(loaded);
  const rows = SERVE_SETTINGS.map((key) => {
    const { fileKey, defaultText } = SETTINGS[key];
    const shown = settings[fileKey]!;
    const value = shown.ignored
      ? `(ignored: ${shown.ignored})`
      : shown.value === null && shown.source !== "default"
        ? "(invalid: see the problems)"
        : shown.value === null
          ? `(${defaultText})`
          : showValue(shown.value);
    const source = shown.source === "default" ? "default" : `${shown.source} ${shown.from ?? ""}`.trimEnd();
    return [fileKey, value, source];
  });
  return `${fileLine(loaded)}\n\n${formatTable(["SETTING", "VALUE", "SOURCE"], rows)}`;
}

function showValue(value: unknown): string {
  return Array.isArray(value) ? value.join(",") : String(value);
}

function fileLine(loaded: LoadedConfig): string {
  if (loaded.file === undefined) {
    return `Config file: none (no --config, no ${CONFIG_ENV}, no ./${CONFIG_FILE_NAME})`;
  }
  return `Config file: ${loaded.file} (from ${loaded.fileFrom ?? "?"})`;
}
