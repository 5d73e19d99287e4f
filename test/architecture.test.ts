/**
 * The plan of the house, checked: every module of `src/` belongs to a layer, and imports only from
 * its own layer or lower ones (README, "Architecture"). No file is over 500 lines.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));

/** Lowest first. A module matches the first pattern that names its path (relative to src/). */
const LAYERS: ReadonlyArray<{ name: string; match: RegExp }> = [
  { name: "core", match: /^(errors|validation|defaults|observability)\.ts$/ },
  { name: "storage (database)", match: /^storage\/(?!sql\/)/ },
  { name: "security", match: /^security\// },
  { name: "a2a", match: /^a2a\// },
  { name: "conversation", match: /^conversation\// },
  { name: "orchestration", match: /^orchestration\// },
  { name: "storage/sql (stores)", match: /^storage\/sql\// },
  { name: "gateway", match: /^gateway\// },
  { name: "examples", match: /^agents\/examples\// },
  { name: "demo", match: /^demo\// },
  { name: "cli", match: /^cli\// },
  { name: "entry points", match: /^(index|examples)\.ts$/ },
];

function layerOf(module: string): number {
  const index = LAYERS.findIndex((layer) => layer.match.test(module));
  if (index === -1) throw new Error(`${module} belongs to no layer: add it to LAYERS and the README`);
  return index;
}

async function sourceFiles(directory = SRC): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) return sourceFiles(full);
      return Promise.resolve(entry.name.endsWith(".ts") ? [full] : []);
    }),
  );
  return nested.flat();
}

/** The `src/`-relative modules a file imports (relative imports only). */
function importsOf(file: string, text: string): string[] {
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]!);
  return specifiers.map((specifier) =>
    path.relative(SRC, path.resolve(path.dirname(file), specifier)).replace(/\.js$/, ".ts"),
  );
}

describe("architecture", () => {
  it("every import goes to the module's own layer or a lower one", async () => {
    const violations: string[] = [];
    for (const file of await sourceFiles()) {
      const module = path.relative(SRC, file);
      const layer = layerOf(module);
      for (const target of importsOf(file, await readFile(file, "utf8"))) {
        if (target.startsWith("..")) {
          violations.push(`${module} imports ${target}, outside src/`);
          continue;
        }
        const targetLayer = layerOf(target);
        if (targetLayer > layer) {
          violations.push(
            `${module} (${LAYERS[layer]!.name}) imports ${target} (${LAYERS[targetLayer]!.name})`,
          );
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it("no file of src/ is over 500 lines", async () => {
    const long: string[] = [];
    for (const file of await sourceFiles()) {
      const lines = (await readFile(file, "utf8")).split("\n").length - 1;
      if (lines > 500) long.push(`${path.relative(SRC, file)}: ${lines} lines`);
    }
    expect(long).toEqual([]);
  });

  it("the rule catches an import upwards", () => {
    const fake = path.join(SRC, "orchestration/x.ts");
    const [target] = importsOf(fake, 'import { createGateway } from "../gateway/gateway.js";');
    expect(layerOf(target!)).toBeGreaterThan(layerOf("orchestration/x.ts"));
  });
});
