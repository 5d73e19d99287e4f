/**
 * The console against hostile and oversized content, in a real Chromium: 5,000 nested quotes and
 * 500 nested list levels are flattened and render; a reply Markdown still cannot parse (quotes and
 * lists in turn, 2,000 deep) falls back to plain text, and the rest of the thread still shows; a
 * 3 MB reply streamed in 300 chunks is rendered a bounded number of times (not once per chunk) and
 * shown as plain text past the size cap; an agent with a 60-character id and 500-character words
 * leaves the chat header, the timeline, the delegation checklist and the agent cards readable and
 * inside their boxes; a delegation result opens to the whole answer. Screenshots go to
 * test-output/console/robustness-*.png.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveAgent, type ServedAgent } from "../../../src/a2a/server/serve-agent.js";
import { startAgent, type RecordingAgent } from "../../helpers/agents.js";
import {
  adminApi,
  launchBrowser,
  openConsole,
  screenshot,
  signIn,
  skipBrowser,
  startConsoleGateway,
  type ConsoleGateway,
} from "../../helpers/browser.js";

const DEEP_QUOTE = ">".repeat(5000) + " deep";
/** Quotes and lists in turn, 2,000 deep: still more than the parser's stack holds. */
const QUOTED_LISTS = "> - ".repeat(2000) + "deep";
const NESTED_LIST = Array.from({ length: 500 }, (_, i) => "  ".repeat(i) + "- level " + i).join("\n");
const HUGE_CHUNKS = 300;
const HUGE_CHUNK = "HUGE ".repeat(2000) + "\n";
const LONG_ANSWER = [
  "The first line of a long answer, which the result row shows on its own.",
  "",
  "A second paragraph with **the detail** that only the whole answer shows.",
  "",
  "- one point",
  "- the last point",
].join("\n");

/** 60 characters, no spaces. */
const LONG_ID = "specialist-for-escalation-policies-and-paging-rotations-0001";
const LONG_WORD = "x".repeat(500);

const SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
] as const;

describe.skipIf(skipBrowser)("console robustness", () => {
  let browser: Browser;
  let hostile: RecordingAgent;
  let specialist: ServedAgent;
  let gateway: ConsoleGateway;

  const api = <T>(method: string, path: string, body?: unknown) => adminApi<T>(gateway, method, path, body);

  beforeAll(async () => {
    hostile = await startAgent({
      id: "hostile-agent",
      async *handle(ctx) {
        if (ctx.text === "quote") yield DEEP_QUOTE;
        else if (ctx.text === "quoted lists") yield QUOTED_LISTS;
        else if (ctx.text === "nest") yield NESTED_LIST;
        else if (ctx.text === "huge") for (let i = 0; i < HUGE_CHUNKS; i++) yield HUGE_CHUNK;
        else if (ctx.text === "long answer") yield LONG_ANSWER;
        else yield `reply to ${ctx.text}`;
      },
    });
    specialist = await serveAgent({
      card: {
        identity: {
          id: LONG_ID,
          name: "Specialist for escalation policies, paging rotations and on-call handovers",
          description: `Handles ${LONG_WORD} and more`,
          version: "1.0",
        },
        skills: [
          {
            id: "paging",
            name: `Skill ${LONG_WORD.slice(0, 200)}`,
            description: `Pages ${LONG_WORD}`,
            tags: [LONG_WORD.slice(0, 64)],
            examples: [`Example ${LONG_WORD}`],
          },
        ],
      },
      port: 0,
      host: "127.0.0.1",
      async *handleMessage(ctx) {
        if (ctx.text === "fail") throw new Error("the pager is down");
        yield `specialist: ${ctx.text}`;
      },
      onHandoffRequest: () => Promise.resolve({ accepted: true }),
    });
    gateway = await startConsoleGateway({
      agents: [hostile, specialist],
      defaultAgentIds: ["hostile-agent"],
    });
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await Promise.all([hostile?.close(), specialist?.close()]);
  });

  async function openThread(page: Page, threadId: string): Promise<void> {
    await page.locator(`button.thread[data-thread-id="${threadId}"]`).click();
    await expect.poll(() => page.getByTestId("message-input").isDisabled()).toBe(false);
  }

  it("a reply Markdown cannot parse shows as plain text, and the rest of the thread still renders", async () => {
    const thread = await api<{ id: string }>("POST", "/v1/threads", { title: "Deep quotes" });
    const sent = ["one", "two", "quoted lists", "quote", "nest", "four", "five"];
    for (const message of sent) {
      await api("POST", `/v1/threads/${thread.id}/messages`, { message });
    }
    const { page, problems, close } = await openConsole(browser, gateway.url);
    try {
      await signIn(page, gateway.alice.operator);
      await openThread(page, thread.id);
      // Every message, the ones after the hostile reply too, every time the thread is opened.
      await expect.poll(() => page.locator(".msg").count()).toBe(sent.length * 2);
      expect(await page.locator(".msg.assistant .text").last().textContent()).toBe("reply to five\n");
      const lists = page.locator(".msg.assistant").nth(2).locator(".text");
      expect(await lists.locator(".render-note").textContent()).toBe(
        "Shown as plain text: this reply could not be formatted.",
      );
      expect(await lists.locator(".plain").textContent()).toBe(QUOTED_LISTS);
      // 5,000 nested quotes are flattened to 8 before parsing, and render.
      const quote = page.locator(".msg.assistant").nth(3).locator(".text");
      expect(await quote.locator(".render-note").count()).toBe(0);
      expect(await quote.locator("blockquote").count()).toBe(8);
      expect((await quote.textContent())?.trim()).toBe("deep");
      // 500 nested list levels are flattened to a depth the parser handles, not given up on.
      const nest = page.locator(".msg.assistant").nth(4).locator(".text");
      expect(await nest.locator(".render-note").count()).toBe(0);
      expect(await nest.locator("li").count()).toBeGreaterThan(10);
      expect(await nest.textContent()).toContain("level 499");
      await page.reload();
      await openThread(page, thread.id);
      await expect.poll(() => page.locator(".msg").count()).toBe(sent.length * 2);
      await screenshot(page, "robustness-deep-quote");
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it("a 3 MB reply streamed in 300 chunks is rendered a bounded number of times and ends as plain text", async () => {
    const thread = await api<{ id: string }>("POST", "/v1/threads", { title: "Huge reply" });
    const { page, problems, close } = await openConsole(browser, gateway.url);
    try {
      await signIn(page, gateway.alice.operator);
      await openThread(page, thread.id);
      // Counts every time the reply's body is replaced, and the main thread's long tasks.
      await page.evaluate(() => {
        const w = window as unknown as { renders: number; longTaskMs: number; longestTaskMs: number };
        w.renders = 0;
        w.longTaskMs = 0;
        w.longestTaskMs = 0;
        new MutationObserver((records) => {
          for (const record of records) {
            const target = record.target as Element;
            if (record.addedNodes.length > 0 && target.matches?.(".msg.assistant .text")) w.renders++;
          }
        }).observe(document.getElementById("messages")!, { childList: true, subtree: true });
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) {
            w.longTaskMs += entry.duration;
            w.longestTaskMs = Math.max(w.longestTaskMs, entry.duration);
          }
        }).observe({ type: "longtask" });
      });
      const started = Date.now();
      await page.getByTestId("message-input").fill("huge");
      await page.getByTestId("message-input").press("Enter");
      // The reply's bubble appears (streaming, or already done on a fast run: the transient
      // streaming state is not waited for, the machine's speed decides whether it is seen).
      await page.locator(".msg.assistant").waitFor({ timeout: 60_000 });
      expect(await page.evaluate(() => document.querySelectorAll(".msg").length)).toBe(2);
      await expect.poll(() => page.getByTestId("send").isDisabled(), { timeout: 60_000 }).toBe(false);
      const elapsedMs = Date.now() - started;
      const body = page.locator(".msg.assistant .text").last();
      expect(await body.locator(".render-note").textContent()).toMatch(/too long to format/);
      expect(await body.locator(".plain").evaluate((node) => node.textContent?.length)).toBe(
        HUGE_CHUNKS * HUGE_CHUNK.length,
      );
      const figures = await page.evaluate(() => {
        const w = window as unknown as { renders: number; longTaskMs: number; longestTaskMs: number };
        return { renders: w.renders, longTaskMs: w.longTaskMs, longestTaskMs: w.longestTaskMs };
      });
      process.stdout.write(`[robustness] huge reply: ${JSON.stringify({ ...figures, elapsedMs })}\n`);
      // Not once per chunk: renders are coalesced (the first chunk at once, then at most every 150 ms).
      expect(figures.renders).toBeLessThan(HUGE_CHUNKS / 3);
      // Reopened, the stored reply is plain text too.
      await page.reload();
      await openThread(page, thread.id);
      await page.locator(".msg.assistant .render-note").waitFor();
      await screenshot(page, "robustness-huge-reply");
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }, 120_000);

  for (const size of SIZES) {
    it(`at ${size.width}x${size.height} a 60-character agent id and 500-character words stay inside their boxes`, async () => {
      const thread = await api<{ id: string }>("POST", "/v1/threads", {
        title: `Long ids at ${size.width}: escalation policies, paging rotations and on-call handovers`,
      });
      await api("POST", `/v1/threads/${thread.id}/delegations`, {
        message: "fail",
        agentIds: [LONG_ID, "hostile-agent"],
        strategy: "parallel",
      });
      await api("POST", `/v1/threads/${thread.id}/handoff`, {
        targetAgentId: LONG_ID,
        contextSummary: "Long id",
        handoffReason: "console_request",
      });
      const { page, problems, close } = await openConsole(browser, gateway.url, size);
      try {
        await signIn(page, gateway.alice.operator);
        await openThread(page, thread.id);
        const name = `robustness-${size.width}x${size.height}`;

        // The header: the title keeps room beside the holder badge, both end in an ellipsis.
        await expect.poll(() => page.getByTestId("holder").getAttribute("data-kind")).toBe("handoff");
        const head = await page.evaluate(() => {
          const box = (id: string) => document.getElementById(id)!.getBoundingClientRect();
          const header = document.querySelector(".chat-head")!.getBoundingClientRect();
          return { title: box("thread-name"), badge: box("holder"), header };
        });
        expect(head.title.width).toBeGreaterThanOrEqual(90);
        expect(head.badge.width).toBeGreaterThanOrEqual(100);
        expect(head.badge.right).toBeLessThanOrEqual(head.header.right);
        expect(await page.getByTestId("holder").textContent()).toBe(`Held by ${LONG_ID} (handoff)`);
        await screenshot(page, `${name}-header`);

        // The timeline: a failed delegation's row keeps its agent's whole name, nothing runs past the card.
        await page.getByTestId("tab-timeline").click();
        const failed = page.locator('#timeline .event[data-kind="delegation"][data-outcome="failed"]');
        await failed.first().waitFor();
        expect(await failed.first().locator(".event-agent").textContent()).toContain(LONG_ID);
        expect(await overflows(page, "#timeline .turn")).toEqual([]);
        expect(await truncated(page, "#timeline .event-agent")).toEqual([]);
        await screenshot(page, `${name}-timeline`);

        // The delegation checklist: full-size checkboxes, the first row below the legend.
        await page.getByTestId("tab-delegate").click();
        const checklist = await page.evaluate(() => {
          const legend = document.querySelector("#delegate-form legend")!.getBoundingClientRect();
          const boxes = [...document.querySelectorAll("#delegate-agents input")].map((input) => {
            const box = input.getBoundingClientRect();
            return { width: box.width, height: box.height };
          });
          const first = document.querySelector("#delegate-agents .check")!.getBoundingClientRect();
          return { legendBottom: legend.bottom, firstTop: first.top, boxes };
        });
        expect(checklist.boxes).toHaveLength(2);
        for (const box of checklist.boxes) {
          expect(box.width).toBeGreaterThanOrEqual(12);
          expect(box.height).toBeGreaterThanOrEqual(12);
        }
        expect(checklist.firstTop).toBeGreaterThanOrEqual(checklist.legendBottom);
        expect(await overflows(page, "#delegate-agents .check")).toEqual([]);

        // A result opens to the whole answer, rendered as Markdown.
        for (const box of await page.getByTestId("delegate-agents").locator("input").all()) {
          await box.setChecked((await box.inputValue()) === "hostile-agent");
        }
        await page.getByTestId("delegate-message").fill("long answer");
        await page.getByTestId("delegate-run").click();
        const said = page.locator('#delegate-results .result[data-agent-id="hostile-agent"] .said');
        await said.waitFor();
        expect(await said.locator(".said-whole").isVisible()).toBe(false);
        await said.locator("summary").click();
        const whole = said.locator(".said-whole");
        await whole.locator("strong").waitFor();
        expect(await whole.locator("strong").textContent()).toBe("the detail");
        expect(await whole.locator("li").allTextContents()).toEqual(["one point", "the last point"]);
        expect(await overflows(page, "#delegate-results .run")).toEqual([]);
        await screenshot(page, `${name}-delegate`);

        // The agent cards: long words wrap inside the card.
        await page.getByTestId("tab-agents").click();
        await page.locator(`.agent-card[data-agent-id="${LONG_ID}"]`).waitFor();
        expect(await overflows(page, ".agent-card")).toEqual([]);
        await screenshot(page, `${name}-agents`);
        expect(problems).toEqual([]);
      } finally {
        await close();
      }
    }, 60_000);
  }
});

/**
 * The descendants of each `selector` box that reach past its right edge, and the boxes whose
 * content is wider than they are; an empty list means everything fits.
 */
async function overflows(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((selector) => {
    const found: string[] = [];
    for (const box of document.querySelectorAll(selector)) {
      const outer = box.getBoundingClientRect();
      if (box.scrollWidth > box.clientWidth + 1) {
        found.push(`${selector} scrolls: ${box.scrollWidth} > ${box.clientWidth}`);
      }
      for (const node of box.querySelectorAll("*")) {
        const inner = node.getBoundingClientRect();
        if (inner.width === 0) continue;
        if (inner.right > outer.right + 0.5 || inner.left < outer.left - 0.5) {
          found.push(`${node.tagName.toLowerCase()}.${node.className} past ${selector}`);
        }
      }
    }
    return found;
  }, selector);
}

/** The `selector` elements whose text is cut (an ellipsis, or squeezed to nothing). */
async function truncated(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((selector) => {
    const found: string[] = [];
    for (const node of document.querySelectorAll<HTMLElement>(selector)) {
      if (!node.textContent) continue;
      if (node.scrollWidth > node.clientWidth + 1 || node.clientWidth < 20) {
        found.push(`${node.textContent.slice(0, 40)}: ${node.clientWidth}/${node.scrollWidth}`);
      }
    }
    return found;
  }, selector);
}
