/** What every example agent's options have in common, and its validation. */
import type { Logger } from "pino";
import { z } from "zod";

/** Options every example agent takes. */
export interface ExampleAgentConfig {
  /** TCP port; 0 (the default) lets the OS pick a free one. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Structured logs (ids, counts, states; never message content). */
  logger?: Logger;
}

/** zod shape of {@link ExampleAgentConfig}, to extend with an agent's own options. */
export const exampleAgentConfigShape = {
  port: z.number().int().min(0).max(65_535).optional(),
  host: z.string().min(1).optional(),
  logger: z
    .custom<Logger>((value) => typeof value === "object" && value !== null, "must be a pino logger")
    .optional(),
};
