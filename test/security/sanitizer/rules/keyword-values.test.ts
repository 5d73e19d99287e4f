import { describe, expect, it } from "vitest";
import { ContextSanitizer } from "../../../../src/security/sanitizer/index.js";

const sanitizer = new ContextSanitizer();
const sanitize = (text: string): string => sanitizer.sanitize(text);

// Under "ContextSanitizer", as the suite was before it was split by rule family.
describe("ContextSanitizer", () => {
  describe("pass as a label", () => {
    it("redacts a password-like value after a `pass` label", () => {
      expect(sanitize("pass: opensesame99")).toBe("pass: [REDACTED]");
      expect(sanitize("SMTP_PASS='Tr0ub4dor&3'")).toBe("SMTP_PASS='[REDACTED]'");
      expect(sanitize("login: jdoe Pass: Winter2024!")).toBe("login: jdoe Pass: [REDACTED]");
    });

    it("keeps passes that are not passwords", () => {
      for (const text of [
        "pass: 3 days",
        "bus pass: monthly",
        "boarding pass: 14C2",
        "pass: hunter",
        "Pass: 98%",
      ]) {
        expect(sanitize(text)).toBe(text);
      }
    });
  });
});
