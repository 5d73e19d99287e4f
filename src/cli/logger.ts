/**
 * The CLI's pino logger: JSON lines for machines, or pino-pretty's human-readable lines. Formatting
 * happens in this thread (pino-pretty's `prettyFactory`, no transport worker), so log lines and the
 * command's own text reach the output in the order they were written.
 */
import { pino, type Logger } from "pino";
import pinoPretty from "pino-pretty";

export interface CliLoggerConfig {
  level: string;
  format: "pretty" | "json";
  /** Where each formatted line goes. */
  write: (text: string) => void;
  /** Colors in pretty output (a terminal). */
  colorize: boolean;
}

export function createCliLogger(config: CliLoggerConfig): Logger {
  if (config.format === "json") return pino({ level: config.level }, { write: config.write });
  const prettify = pinoPretty.prettyFactory({
    colorize: config.colorize,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
    singleLine: true,
  });
  return pino({ level: config.level }, { write: (line: string) => config.write(prettify(line)) });
}
