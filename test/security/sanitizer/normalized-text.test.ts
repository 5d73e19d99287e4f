import { describe, expect, it } from "vitest";
import { ContextSanitizer } from "../../../src/security/sanitizer/index.js";

const sanitizer = new ContextSanitizer();
const sanitize = (text: string): string => sanitizer.sanitize(text);

// Under "ContextSanitizer", as the suite was before it was split by rule family.
describe("ContextSanitizer", () => {
  describe("Unicode formatting", () => {
    it.each([
      ["4111\u00a01111\u00a01111\u00a01111", "[CARD]"],
      ["4111\u202f1111\u202f1111\u202f1111", "[CARD]"],
      ["4111\u20071111\u20091111\u20091111", "[CARD]"],
      ["4111–1111–1111–1111", "[CARD]"],
      ["４１１１ １１１１ １１１１ １１１１", "[CARD]"],
      ["4111\u200b1111 1111 1111", "[CARD]"],
      ["4111\u00ad1111\u00ad1111\u00ad1111", "[CARD]"],
      ["IBAN DE89\u00a03704 0044 0532 0130 00", "IBAN [IBAN]"],
      ["+1\u00a0415\u00a0555\u00a02671", "[PHONE]"],
      ["123\u201145\u20116789", "[SSN]"],
      ["password\u00a0is Hunter2!x", "password\u00a0is [REDACTED]"],
      ["john＠example.com", "[EMAIL]"],
      ["john.doe@exa\u200bmple.com", "[EMAIL]"],
      ["jo\u200bhn@example.com", "[EMAIL]"],
      ["jo\u2060hn@exam\u00adple.com", "[EMAIL]"],
    ])("redacts %j whole", (text, expected) => {
      expect(sanitize(text)).toBe(expected);
      expect(sanitize(sanitize(text))).toBe(sanitize(text));
    });

    it("keeps every character outside a redaction, and findings point into the original text", () => {
      const text =
        "\u200bHi\u00a0— mail jo\u200bhn@example.com\u200b, card ４１１１ １１１１ １１１１ １１１１ 👨\u200d👩\u200d👧";
      expect(sanitize(text)).toBe("\u200bHi\u00a0— mail [EMAIL]\u200b, card [CARD] 👨\u200d👩\u200d👧");
      const found = sanitizer.findings(text);
      expect(found.map(({ start, end }) => text.slice(start, end))).toEqual([
        "jo\u200bhn@example.com",
        "４１１１ １１１１ １１１１ １１１１",
      ]);
    });

    it("keeps ordinary text with Unicode spaces, dashes, fullwidth forms and joiners unchanged", () => {
      for (const text of [
        "Price: 1\u00a0299,00\u00a0€ – pages 12–14, 2024–2025",
        "１２月３１日（火）に会議があります。",
        "family 👨\u200d👩\u200d👧 and 🏳\ufe0f\u200d🌈",
        "Soft\u00adware engi\u00adneer",
        "contact—see below",
      ]) {
        expect(sanitize(text)).toBe(text);
      }
    });

    it("custom patterns read the original characters", () => {
      const custom = new ContextSanitizer();
      custom.addPattern(/ACME\u00a0\d+/, "[ACCOUNT]");
      expect(custom.sanitize("ACME\u00a042 and jo\u200bhn@example.com")).toBe("[ACCOUNT] and [EMAIL]");
      expect(custom.findings("x ACME\u00a042")).toEqual([{ category: "custom", start: 2, end: 9 }]);
    });

    it("sanitizeValue normalizes strings in values too", () => {
      expect(sanitizer.sanitizeValue({ card: "4111\u00a01111\u00a01111\u00a01111" })).toEqual({
        card: "[CARD]",
      });
    });
  });
});
