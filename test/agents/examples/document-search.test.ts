import { describe, expect, it } from "vitest";
import {
  PassageIndex,
  queryTerms,
  quotePassage,
  splitMarkdown,
  stem,
} from "../../../src/agents/examples/document-search.js";

describe("document search", () => {
  it("splits markdown by heading, groups paragraphs, keeps code fences whole and skips front matter", () => {
    const markdown = [
      "---",
      "title: ignored",
      "---",
      "# Guide",
      "",
      "Intro paragraph.",
      "",
      "## Setup",
      "",
      "First paragraph.",
      "",
      "```sh",
      "npm start",
      "",
      "# not a heading",
      "```",
      "",
      "## Usage",
      "Use it.",
    ].join("\n");
    const passages = splitMarkdown({ document: { file: "guide.md", markdown } });
    expect(passages).toEqual([
      { file: "guide.md", docTitle: "Guide", heading: "Guide", text: "Intro paragraph." },
      {
        file: "guide.md",
        docTitle: "Guide",
        heading: "Setup",
        text: "First paragraph.\n\n```sh\nnpm start\n\n# not a heading\n```",
      },
      { file: "guide.md", docTitle: "Guide", heading: "Usage", text: "Use it." },
    ]);
    const long = `# Long\n\n${Array.from({ length: 6 }, (_, i) => `Paragraph ${i} ${"word ".repeat(40)}`).join("\n\n")}`;
    const parts = splitMarkdown({ document: { file: "long.md", markdown: long }, maxPassageChars: 500 });
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((part) => part.heading === "Long" && part.text.length <= 500)).toBe(true);
  });

  it("stems plurals and verb forms to a shared root and drops stop words", () => {
    expect(stem("handoffs")).toBe(stem("handoff"));
    expect(stem("routing")).toBe(stem("route"));
    expect(stem("sanitizer")).toBe(stem("sanitizing"));
    expect(stem("strategies")).toBe(stem("strategy"));
    expect(stem("cancelled")).toBe(stem("cancel"));
    expect(stem("redaction")).toBe(stem("redacted"));
    // Porter leaves "recovery" as "recoveri": the final "i" is folded so it meets "recover".
    expect(stem("recovery")).toBe(stem("recover"));
    expect(stem("retries")).toBe(stem("retry"));
    expect(queryTerms("What is the FIRST_SUCCESS strategy?")).toEqual(["first", "success", "strateg"]);
    expect(queryTerms("How does serveAgent work?")).toEqual(["serveag", "serv", "agent"]);
    // Particles and adverbs are stop words too: they only dilute a question's coverage.
    expect(queryTerms("What happens once it is down or out, just very slowly?")).toEqual(["slowl"]);
  });

  it("quotes from the first sentence that matches, trimmed with ellipses", () => {
    const text =
      "Opening sentence about nothing. The circuit breaker opens after failures. It then waits. " +
      "Finally it closes again after a long while and many more words follow here.";
    const quote = quotePassage({ text, matchedTerms: queryTerms("breaker"), maxChars: 60 });
    expect(quote).toBe("…The circuit breaker opens after failures. It then waits. …");
    const cut = quotePassage({ text: "word ".repeat(100), matchedTerms: ["word"], maxChars: 50 });
    expect(cut.length).toBeLessThanOrEqual(50);
    expect(cut.endsWith("…")).toBe(true);
  });

  it("returns nothing when no passage covers enough of the question", () => {
    const index = new PassageIndex({
      documents: [
        {
          file: "a.md",
          markdown: "# A\n\n## Tokens\n\nAPI tokens are secrets.\n\n## Limits\n\nPage limit is 100.",
        },
      ],
    });
    expect(index.search("api tokens")[0]?.source).toBe("a.md § Tokens");
    expect(index.search("token bucket rate limit")).toEqual([]);
    expect(index.search("what is it?")).toEqual([]);
  });

  it("lets a question's word find a passage that uses its synonym, and counts it as covered", () => {
    const documents = [
      {
        file: "a.md",
        markdown:
          "# A\n\n## Restarts\n\nSessions survive a restart of the server.\n\n## Other\n\nNothing here.",
      },
    ];
    expect(
      new PassageIndex({ documents }).search("what happens after a crash?").map((h) => h.source),
    ).toEqual(["a.md § Restarts"]);
    // Without the synonym group the passage shares no word with the question.
    expect(new PassageIndex({ documents, synonymGroups: [] }).search("what happens after a crash?")).toEqual(
      [],
    );
  });
});
