import { describe, expect, it } from "vitest";
import { ContextSanitizer } from "../src/orchestration/context-sanitizer.js";
import { measureSanitizer } from "../scripts/measure-sanitizer.js";
import { PII_HOLDOUT } from "./fixtures/pii-holdout.js";

describe("ContextSanitizer on the held-out set (never used for tuning)", () => {
  const sanitizer = new ContextSanitizer();
  const measurement = measureSanitizer((text) => sanitizer.sanitize(text), PII_HOLDOUT);

  it("has both PII and look-alike cases", () => {
    expect(PII_HOLDOUT.filter((c) => c.label === "none").length).toBeGreaterThanOrEqual(30);
    expect(PII_HOLDOUT.filter((c) => c.label !== "none").length).toBeGreaterThanOrEqual(30);
  });

  it("keeps precision and recall at or above 0.95", () => {
    expect(measurement.overall.precision).toBeGreaterThanOrEqual(0.95);
    expect(measurement.overall.recall).toBeGreaterThanOrEqual(0.95);
  });

  it.each(PII_HOLDOUT.map((c) => [c.label, c.text, c.expected] as const))(
    "%s: %j",
    (_label, text, expected) => {
      expect(sanitizer.sanitize(text)).toBe(expected);
    },
  );
});
