/**
 * Measures the memory of serveAgent's default task store (BoundedTaskStore).
 *
 * Run with `npx tsx scripts/measure-task-store.ts`. Two measurements, each after a full GC:
 *  1. what 100,000 realistic tasks cost when the store holds them all (a cap above 100k): heap and
 *     RSS growth, bytes per task, and the save rate — beside the SDK's InMemoryTaskStore for scale;
 *  2. a store with the default cap (10,000) while 100,000 tasks are written: the heap after every
 *     10,000 must stay flat once the cap is reached.
 * A realistic task: one user message (~120 chars), one artifact of ~500 chars of text, a COMPLETED
 * status with a timestamp — the shape a serveAgent turn leaves.
 */
import { randomUUID } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Role, TaskState, type Task } from "@a2a-js/sdk";
import {
  InMemoryTaskStore,
  UnauthenticatedUser,
  defaultServerCallContextBuilder,
  type TaskStore,
} from "@a2a-js/sdk/server";
import { BoundedTaskStore, DEFAULT_MAX_TASKS } from "../src/a2a/server/task-stores.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const TASKS = 100_000;
const WORDS =
  "the quick brown fox jumps over the lazy dog while seven agents negotiate a handoff about slack alerts and skill files".split(
    " ",
  );
const context = defaultServerCallContextBuilder({
  extensions: undefined,
  user: new UnauthenticatedUser(),
  headers: {},
});

/** ~`length` characters of words, different for every seed (no two tasks share their strings). */
function text(length: number, seed: number): string {
  let out = `#${seed} `;
  for (let index = seed; out.length < length; index += 7) out += `${WORDS[index % WORDS.length]} `;
  return out.slice(0, length);
}

function realisticTask(index: number): Task {
  const id = randomUUID();
  const contextId = randomUUID();
  const part = (value: string) => ({
    content: { $case: "text" as const, value },
    mediaType: "text/plain",
    filename: "",
    metadata: undefined,
  });
  return {
    id,
    contextId,
    status: {
      state: TaskState.TASK_STATE_COMPLETED,
      message: undefined,
      timestamp: new Date(Date.UTC(2026, 0, 1) + index * 1_000).toISOString(),
    },
    artifacts: [
      {
        artifactId: "response",
        name: "response",
        description: "",
        parts: [part(text(500, index))],
        metadata: undefined,
        extensions: [],
      },
    ],
    history: [
      {
        messageId: randomUUID(),
        contextId,
        taskId: id,
        role: Role.ROLE_USER,
        parts: [part(text(120, index + 3))],
        metadata: undefined,
        extensions: [],
        referenceTaskIds: [],
      },
    ],
    metadata: undefined,
  };
}

interface Memory {
  heap: number;
  rss: number;
}

function memory(): Memory {
  gc();
  gc();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);

async function fill(store: TaskStore, count: number, onEvery?: (written: number) => void): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < count; index++) {
    await store.save(realisticTask(index), context);
    if (onEvery && (index + 1) % 10_000 === 0) onEvery(index + 1);
  }
  return performance.now() - started;
}

/** Fills a store made here with 100k tasks; nothing of it outlives the call, so runs do not mix. */
async function holdAll(name: string, make: () => { store: TaskStore; size(): number | undefined }) {
  const before = memory();
  const { store, size } = make();
  const elapsed = await fill(store, TASKS);
  const after = memory();
  return {
    name,
    held: size() ?? TASKS,
    heap: after.heap - before.heap,
    rss: after.rss - before.rss,
    perTask: (after.heap - before.heap) / TASKS,
    savesPerSecond: TASKS / (elapsed / 1_000),
  };
}

/** The default cap while 100k tasks are written: the heap after every 10,000. */
async function capped() {
  const store = new BoundedTaskStore();
  const base = memory();
  const samples: { written: number; size: number; heap: number; rss: number }[] = [];
  await fill(store, TASKS, (written) => {
    const now = memory();
    samples.push({ written, size: store.size, heap: now.heap - base.heap, rss: now.rss - base.rss });
  });
  return samples;
}

async function main(): Promise<void> {
  const sample = JSON.stringify(realisticTask(1));
  process.stdout.write(
    `\nOne realistic task is ${sample.length} bytes as JSON (artifact text 500 chars, user message 120).\n`,
  );

  // The default cap first, while the process is fresh: RSS only shrinks slowly after a big heap
  // has been freed, so measured after the 100k runs its growth would mean little.
  const samples = await capped();

  // 100k tasks held, each store measured on its own.
  const rows = [
    await holdAll("BoundedTaskStore (cap 100,001)", () => {
      const store = new BoundedTaskStore({ maxTasks: TASKS + 1 });
      return { store, size: () => store.size };
    }),
    await holdAll("SDK InMemoryTaskStore (unbounded)", () => ({
      store: new InMemoryTaskStore(),
      size: () => undefined,
    })),
  ];

  process.stdout.write(`\n## ${TASKS.toLocaleString("en")} tasks held (after GC)\n\n`);
  process.stdout.write("| store | tasks held | heap growth | RSS growth | heap per task | saves/s |\n");
  process.stdout.write("|---|---:|---:|---:|---:|---:|\n");
  for (const row of rows) {
    process.stdout.write(
      `| ${row.name} | ${row.held.toLocaleString("en")} | ${mb(row.heap)} MB | ${mb(row.rss)} MB | ${Math.round(row.perTask)} B | ${Math.round(row.savesPerSecond).toLocaleString("en")} |\n`,
    );
  }

  process.stdout.write(
    `\n## BoundedTaskStore, default cap ${DEFAULT_MAX_TASKS.toLocaleString("en")}, while ${TASKS.toLocaleString("en")} are written (after GC)\n\n`,
  );
  process.stdout.write("| written | held | heap growth | RSS growth |\n|---:|---:|---:|---:|\n");
  for (const entry of samples) {
    process.stdout.write(
      `| ${entry.written.toLocaleString("en")} | ${entry.size.toLocaleString("en")} | ${mb(entry.heap)} MB | ${mb(entry.rss)} MB |\n`,
    );
  }
  const steady = samples.filter((entry) => entry.written > DEFAULT_MAX_TASKS).map((entry) => entry.heap);
  const spread = Math.max(...steady) - Math.min(...steady);
  process.stdout.write(
    `\nOnce full, the heap moves within ${mb(spread)} MB (${((spread / Math.max(...steady)) * 100).toFixed(1)}% of it) while ${(TASKS - DEFAULT_MAX_TASKS).toLocaleString("en")} more tasks are written.\n\n`,
  );
}

await main();
