/**
 * Vitest global setup: provides a PostgreSQL server URL to every suite. Uses
 * OMNIFORGE_TEST_POSTGRES_URL when set, otherwise starts a throwaway cluster. Under CI=true a
 * missing PostgreSQL fails the run; elsewhere PostgreSQL suites skip with a visible notice.
 */
import type { TestProject } from "vitest/node";
import { startPostgresCluster, type PostgresCluster } from "./postgres-cluster.js";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string | null;
  }
}

let cluster: PostgresCluster | undefined;

export async function setup(project: TestProject): Promise<void> {
  const configured = process.env.OMNIFORGE_TEST_POSTGRES_URL;
  if (configured) {
    project.provide("postgresUrl", configured);
    return;
  }
  try {
    cluster = await startPostgresCluster();
    project.provide("postgresUrl", cluster.url);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.CI === "true") {
      throw new Error(`PostgreSQL is required under CI=true but could not be started: ${reason}`);
    }
    process.stderr.write(
      `\n[omniforge tests] NOTICE: PostgreSQL unavailable (${reason}); PostgreSQL suites are SKIPPED.\n\n`,
    );
    project.provide("postgresUrl", null);
  }
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
}
