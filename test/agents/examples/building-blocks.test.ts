import { randomUUID } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { skillSlug, writeSkillFile } from "../../../src/agents/examples/skill-file.js";
import {
  isCancelMessage,
  parseChangeRequest,
  splitList,
} from "../../../src/agents/examples/skill-workflow.js";
import { KeyedMutex, ThreadStateStore } from "../../../src/agents/examples/thread-state-store.js";
import { ErrorCode } from "../../../src/errors.js";
import { TempDirs } from "../../helpers/examples.js";

const dirs = new TempDirs();
afterAll(() => dirs.cleanup());

describe("skill files", () => {
  it("slugs names into safe file names", () => {
    expect(skillSlug("Deploy Failure Alerts")).toBe("deploy-failure-alerts");
    expect(skillSlug("../../etc/passwd")).toBe("etc-passwd");
    expect(skillSlug("..\\..\\Windows\\System32")).toBe("windows-system32");
    expect(skillSlug("Café Übersicht")).toBe("cafe-ubersicht");
    expect(skillSlug("CON")).toBe("skill-con");
    expect(skillSlug("???")).toBe("");
    expect(skillSlug("x".repeat(200))).toHaveLength(64);
  });

  it("never overwrites: concurrent writers of one name all get their own file", async () => {
    const skillsDir = path.join(await dirs.make(), "nested", "skills");
    const written = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        writeSkillFile({ skillsDir, name: "Same Name", content: `skill ${i}\n` }),
      ),
    );
    expect(new Set(written).size).toBe(5);
    expect((await readdir(skillsDir)).sort()).toEqual([
      "same-name-2.md",
      "same-name-3.md",
      "same-name-4.md",
      "same-name-5.md",
      "same-name.md",
    ]);
    const contents = await Promise.all(written.map((file) => readFile(file, "utf8")));
    expect(contents.sort()).toEqual(["skill 0\n", "skill 1\n", "skill 2\n", "skill 3\n", "skill 4\n"]);
    for (const file of written) expect(path.dirname(file)).toBe(path.resolve(skillsDir));
  });
});

describe("skill workflow intents", () => {
  it("recognizes cancel only when the whole message says so", () => {
    expect(isCancelMessage("cancel")).toBe(true);
    expect(isCancelMessage("Please cancel it.")).toBe(true);
    expect(isCancelMessage("never mind")).toBe(true);
    expect(isCancelMessage("Stop the deploy and page the on-call")).toBe(false);
  });

  it("parses change requests with and without a new value", () => {
    expect(parseChangeRequest("change the name to Pager Alerts")).toEqual({
      field: "name",
      value: "Pager Alerts",
    });
    expect(parseChangeRequest("rename it to X")).toEqual({ field: "name", value: "X" });
    expect(parseChangeRequest("change the steps: look up the name; post")).toEqual({
      field: "steps",
      value: "look up the name; post",
    });
    expect(parseChangeRequest("the triggers")).toEqual({ field: "triggers" });
    // The inline form: a change verb, the field, the value.
    expect(parseChangeRequest("change name Deploy Failure Notifier")).toEqual({
      field: "name",
      value: "Deploy Failure Notifier",
    });
    expect(parseChangeRequest("set the steps read logs; page on-call")).toEqual({
      field: "steps",
      value: "read logs; page on-call",
    });
    expect(parseChangeRequest("change the name")).toEqual({ field: "name" });
    expect(parseChangeRequest("hmm")).toEqual({});
  });

  it("splits list answers by line, semicolon or comma, dropping bullets and numbers", () => {
    expect(splitList("1. a\n2) b\n- c\n\n", { commas: false })).toEqual(["a", "b", "c"]);
    expect(splitList("a; b, c", { commas: false })).toEqual(["a", "b, c"]);
    expect(splitList('"a", b; c', { commas: true })).toEqual(["a", "b", "c"]);
  });
});

describe("thread state store", () => {
  const schema = z.object({ n: z.number() });

  it("round-trips state atomically, one file per thread, and leaves no temp files", async () => {
    const dir = path.join(await dirs.make(), "state");
    const store = new ThreadStateStore({ dir, schema });
    const threadId = randomUUID();
    expect(await store.load(threadId)).toBeUndefined();
    await Promise.all(Array.from({ length: 10 }, (_, n) => store.save(threadId, { n })));
    expect((await store.load(threadId))?.n).toBeGreaterThanOrEqual(0);
    expect(await readdir(dir)).toEqual([`${threadId}.json`]);
    expect(await store.find((state) => state.n >= 0)).toMatchObject({ threadId });
    await store.delete(threadId);
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses thread ids that are not UUIDs before touching the file system", async () => {
    const store = new ThreadStateStore({ dir: await dirs.make(), schema });
    for (const threadId of ["../../etc/passwd", "a/b", "", `${randomUUID()}/..`]) {
      await expect(store.save(threadId, { n: 1 })).rejects.toMatchObject({ code: ErrorCode.INVALID_INPUT });
      await expect(store.load(threadId)).rejects.toMatchObject({ code: ErrorCode.INVALID_INPUT });
    }
  });

  it("ignores a corrupt or foreign-shaped state file", async () => {
    const dir = await dirs.make();
    const store = new ThreadStateStore({ dir, schema });
    const [a, b] = [randomUUID(), randomUUID()];
    await writeFile(path.join(dir, `${a}.json`), "{ not json");
    await writeFile(path.join(dir, `${b}.json`), JSON.stringify({ n: "x" }));
    expect(await store.load(a)).toBeUndefined();
    expect(await store.load(b)).toBeUndefined();
  });

  it("KeyedMutex runs work for one key in order, other keys in parallel", async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const slow = (label: string, ms: number) => async () => {
      log.push(`start ${label}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      log.push(`end ${label}`);
    };
    await Promise.all([
      mutex.run("t", slow("a", 20)),
      mutex.run("t", slow("b", 1)),
      mutex.run("u", slow("c", 1)),
    ]);
    expect(log.indexOf("end a")).toBeLessThan(log.indexOf("start b"));
    expect(log.indexOf("end c")).toBeLessThan(log.indexOf("end a"));
  });
});
