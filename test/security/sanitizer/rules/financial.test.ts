import { describe, expect, it } from "vitest";
import { ContextSanitizer } from "../../../../src/security/sanitizer/index.js";

const sanitizer = new ContextSanitizer();
const sanitize = (text: string): string => sanitizer.sanitize(text);

// Under "ContextSanitizer", as the suite was before it was split by rule family.
describe("ContextSanitizer", () => {
  describe("cards", () => {
    const valid = [
      "4111111111111111",
      "4111 1111 1111 1111",
      "5555-5555-5555-4444",
      "378282246310005",
      "3782 822463 10005",
      "6011111111111117",
      "4222222222222",
      "4917610000000000003",
    ];
    it.each(valid)("redacts the Luhn-valid number %s", (number) => {
      expect(sanitize(`paid with ${number}.`)).toBe("paid with [CARD].");
    });

    it.each(valid)("keeps %s when its last digit is changed (Luhn fails)", (number) => {
      const last = Number(number.at(-1));
      const broken = `${number.slice(0, -1)}${(last + 1) % 10}`;
      expect(sanitize(`paid with ${broken}.`)).toBe(`paid with ${broken}.`);
    });

    it("redacts a card dashed onto a redacted IBAN, in one pass (the same as on a second)", () => {
      // Found by the idempotence property: the dash between digits read as part of one number
      // until the IBAN became a token, so the first pass kept the card and the second took it.
      for (const dash of ["-", "\u2013"]) {
        const text = `DE89 3704 0044 0532 0130 00${dash}4111 1111 1111 1111`;
        expect(sanitize(text)).toBe(`[IBAN]${dash}[CARD]`);
        expect(sanitize(sanitize(text))).toBe(sanitize(text));
      }
      // A dash glued to a word still makes the digits part of an identifier.
      expect(sanitize("order-4111 1111 1111 1111")).toBe("order-4111 1111 1111 1111");
    });

    it("keeps Luhn-valid numbers with mixed separators, odd groupings or a non-card prefix", () => {
      for (const text of [
        "4111 1111-1111 1111",
        "41111 11111 11111 1",
        "0000000000000000",
        "1111111111111117",
      ]) {
        expect(sanitize(text)).toBe(text);
      }
    });
  });

  describe("card extras", () => {
    it("redacts a slash-separated card only as a whole chain", () => {
      expect(sanitize("card 4111/1111/1111/1111.")).toBe("card [CARD].");
      expect(sanitize("4111111111111111/12 and 5555-5555-5555-4444/09/28")).toBe(
        "[CARD]/12 and [CARD]/09/28",
      );
      for (const text of ["2024/4111/1111/1111/1111", "/api/4111/1111/1111/1111", "4111/1111 1111/1111"]) {
        expect(sanitize(text)).toBe(text);
      }
    });

    it("redacts a labelled CVV as card data, not a bare one or a length", () => {
      expect(sanitize("my cvv is 123")).toBe("my cvv is [CARD]");
      expect(sanitize("CVV: 123, CVC2=4321, card verification code: 555")).toBe(
        "CVV: [CARD], CVC2=[CARD], card verification code: [CARD]",
      );
      for (const text of ["exp 09/28 cvv 123", "CVV: 3 digits", "CVV: 123 characters", "CVV: 12345"]) {
        expect(sanitize(text)).toBe(text);
      }
    });
  });

  describe("IBANs", () => {
    const valid = [
      "DE89 3704 0044 0532 0130 00",
      "DE89370400440532013000",
      "GB82 WEST 1234 5698 7654 32",
      "FR1420041010050500013M02606",
      "NO93 8601 1117 947",
    ];
    it.each(valid)("redacts the mod-97-valid IBAN %s", (iban) => {
      expect(sanitize(`IBAN ${iban}.`)).toBe("IBAN [IBAN].");
    });

    it.each(valid)("keeps %s when its check digits are changed", (iban) => {
      const broken = `${iban.slice(0, 2)}${iban[2] === "9" ? "1" : "9"}${iban.slice(3)}`;
      expect(sanitize(`IBAN ${broken}.`)).toBe(`IBAN ${broken}.`);
    });
  });
});
