/**
 * Starts a throwaway PostgreSQL cluster with the machine's initdb/pg_ctl (as the `postgres` user
 * when running as root), listening on a free loopback port. Used by the test global setup, the
 * benchmarks and the reliability suite.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

export interface PostgresCluster {
  /** Superuser URL of the `postgres` database. */
  url: string;
  stop(): Promise<void>;
}

function findBinary(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    for (const version of readdirSync(root).sort().reverse()) {
      const candidate = join(root, version, "bin", name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Throws with the reason when PostgreSQL cannot be started here. */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const initdb = findBinary("initdb");
  const pgCtl = findBinary("pg_ctl");
  if (!initdb || !pgCtl)
    throw new Error("initdb/pg_ctl not found (install PostgreSQL, or set OMNIFORGE_TEST_POSTGRES_URL)");
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "omniforge-pg-"));
  const data = join(dir, "data");
  if (asRoot) chownSync(dir, ...postgresIds());
  const exec = (binary: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "postgres", "--", binary, ...args]) : run(binary, args);
  await exec(initdb, ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"]);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
    try {
      await exec(pgCtl, [
        "-D",
        data,
        "-o",
        options,
        "-l",
        join(dir, "server.log"),
        "-w",
        "-t",
        "30",
        "start",
      ]);
      return {
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        async stop() {
          await exec(pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => undefined);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = error;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

function postgresIds(): [number, number] {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("postgres:"));
  if (!line) throw new Error("running as root but there is no postgres user to run the cluster as");
  const fields = line.split(":");
  return [Number(fields[2]), Number(fields[3])];
}

/** Creates an empty PostgreSQL database and returns its URL. */
export async function createPostgresDatabase(adminUrl: string, prefix = "omniforge_test"): Promise<string> {
  const name = `${prefix}_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
