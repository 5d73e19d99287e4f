import { describe, expect, it } from "vitest";
import { ContextSanitizer } from "../../../src/security/sanitizer/index.js";
import { measureSanitizer } from "../../../scripts/measure-sanitizer.js";
import { PII_HOLDOUT } from "../../fixtures/pii-holdout.js";
import { PII_HOLDOUT_V2 } from "../../fixtures/pii-holdout-v2.js";

const HOLDOUTS = [
  { name: "held-out set v1 (written after the first rules)", cases: PII_HOLDOUT, minimum: 30 },
  {
    name: "held-out set v2 (the security review's leak classes, written before their rules)",
    cases: PII_HOLDOUT_V2,
    minimum: 40,
  },
] as const;

for (const holdout of HOLDOUTS) {
  describe(`ContextSanitizer on the ${holdout.name}, never used for tuning`, () => {
    const sanitizer = new ContextSanitizer();
    const measurement = measureSanitizer((text) => sanitizer.sanitize(text), holdout.cases);

    it("has both PII and look-alike cases", () => {
      expect(holdout.cases.filter((c) => c.label === "none").length).toBeGreaterThanOrEqual(holdout.minimum);
      expect(holdout.cases.filter((c) => c.label !== "none").length).toBeGreaterThanOrEqual(holdout.minimum);
    });

    it("keeps precision and recall at or above 0.95", () => {
      expect(measurement.overall.precision).toBeGreaterThanOrEqual(0.95);
      expect(measurement.overall.recall).toBeGreaterThanOrEqual(0.95);
    });

    it.each(holdout.cases.map((c) => [c.label, c.text, c.expected] as const))(
      "%s: %j",
      (_label, text, expected) => {
        expect(sanitizer.sanitize(text)).toBe(expected);
      },
    );
  });
}
