/**
 * Gateway memory under a flooding agent: a hostile agent (its own process) answers every message
 * with 1 MiB events as fast as the socket drains; the gateway, in this process, is asked through
 * SSE and JSON, sequentially and concurrently. Prints the gateway's RSS before, at its peak and
 * after, and what each turn ended with.
 *
 *   npx tsx scripts/measure-flood.ts [--turns 40] [--concurrency 8]
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ApiKeyService } from "../src/security/api-keys.js";
import { Role } from "../src/security/rbac.js";
import { startGateway } from "../src/gateway/index.js";
import { Database } from "../src/storage/database.js";

const { values } = parseArgs({
  options: { turns: { type: "string", default: "40" }, concurrency: { type: "string", default: "8" } },
});
const turns = Number(values.turns);
const concurrency = Number(values.concurrency);

const agent = spawn(
  process.execPath,
  ["--import", "tsx", fileURLToPath(new URL("./fixtures/flooding-agent.ts", import.meta.url))],
  {
    stdio: ["pipe", "pipe", "inherit"],
  },
);
const [firstChunk] = (await once(agent.stdout, "data")) as [Buffer];
const agentUrl = firstChunk.toString().trim();
const dir = mkdtempSync(join(tmpdir(), "omniforge-flood-"));
const database = new Database(`sqlite:///${join(dir, "flood.db")}`);
await database.initialize();
const gateway = await startGateway({
  database,
  agents: [{ identity: { id: "flood", name: "Flood" }, service: { endpoint: agentUrl } }],
  rateLimit: { max: 1_000_000, timeWindowMs: 60_000 },
});
const key = (
  await new ApiKeyService(database).create({ tenantId: "t", userId: "u", role: Role.OPERATOR, name: "flood" })
).key;
const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const outcomes = new Map<string, number>();
let received = 0;

async function turn(i: number): Promise<void> {
  const thread = (await (
    await fetch(`${gateway.url}/v1/threads`, { method: "POST", headers, body: "{}" })
  ).json()) as { id: string };
  const sse = i % 2 === 0;
  const res = await fetch(`${gateway.url}/v1/threads/${thread.id}/messages`, {
    method: "POST",
    headers: { ...headers, ...(sse ? { accept: "text/event-stream" } : {}) },
    body: JSON.stringify({ message: "flood me" }),
  });
  const body = await res.text();
  received += body.length;
  const code = sse
    ? (/event: error\ndata: \{"code":"(\w+)"/.exec(body)?.[1] ?? "no error frame")
    : String(res.status);
  const label = `${sse ? "SSE" : "JSON"} ${code}`;
  outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
}

global.gc?.();
const before = process.memoryUsage().rss;
const started = performance.now();
for (let i = 0; i < turns / 2; i++) await turn(i);
const afterSequential = process.memoryUsage().rss;
let next = turns / 2;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < turns) await turn(next++);
  }),
);
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
await new Promise((resolve) => setTimeout(resolve, 500));
const after = process.memoryUsage().rss;

process.stdout.write(
  [
    `flooding agent: 1 MiB events, unbounded; ${turns} turns (${turns / 2} sequential, ${turns / 2} with ${concurrency} in flight), ${seconds.toFixed(1)} s`,
    `gateway RSS: before ${mib(before)} MiB, after the sequential half ${mib(afterSequential)} MiB, peak ${mib(peak)} MiB, after ${mib(after)} MiB`,
    `client received ${mib(received)} MiB in all; outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`,
  ].join("\n") + "\n",
);

await gateway.close();
await database.close();
agent.stdin.end();
await once(agent, "exit");
rmSync(dir, { recursive: true, force: true });
