/**
 * The console's layout under load, at 1280x800 and 1920x1080: 30 threads, a thread with 30+
 * timeline turns and 60 messages, 30 delegation result rows. In every tab, every visible control
 * (button, input, select, textarea) can be scrolled into view inside its own panel, lies wholly
 * inside the viewport and its scroll containers, and is not covered by anything. An agent with a
 * 60-character id, a long name and a 500-character description without spaces (which fails a
 * delegation) is among them: no element of any tab reaches past its panel's right edge.
 * Screenshots of each size are written to test-output/console/.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveAgent, type ServedAgent } from "../../../src/a2a/server/serve-agent.js";
import { startAgent, type RecordingAgent } from "../../helpers/agents.js";
import {
  adminApi,
  clippedControls,
  launchBrowser,
  openConsole,
  screenshot,
  signIn,
  skipBrowser,
  startConsoleGateway,
  type ConsoleGateway,
} from "../../helpers/browser.js";
import { startTestAgents, type TestAgents } from "../../helpers/gateway.js";

// Each size signs in with its own key: the per-key rate limit (120 a minute) is not what is tested.
const SIZES = [
  { width: 1280, height: 800, role: "operator" },
  { width: 1920, height: 1080, role: "developer" },
] as const;
const TABS = ["timeline", "delegate", "agents", "handoff", "routing"] as const;
/** 60 characters, no spaces. */
const LONG_ID = "specialist-for-escalation-policies-and-paging-rotations-0001";

describe.skipIf(skipBrowser)("console layout", () => {
  let browser: Browser;
  let agents: TestAgents;
  let decliner: RecordingAgent;
  let longAgent: ServedAgent;
  let gateway: ConsoleGateway;
  let busyThread: string;

  const api = <T>(method: string, path: string, body?: unknown) => adminApi<T>(gateway, method, path, body);

  beforeAll(async () => {
    agents = await startTestAgents();
    decliner = await startAgent({
      id: "decliner-agent",
      // eslint-disable-next-line require-yield
      async *handle(ctx) {
        ctx.decline("Nothing matches");
      },
    });
    longAgent = await serveAgent({
      card: {
        identity: {
          id: LONG_ID,
          name: "Specialist for escalation policies, paging rotations and on-call handovers",
          description: "d".repeat(500),
        },
        skills: [{ id: "paging", name: "p".repeat(200), description: "s".repeat(500) }],
      },
      port: 0,
      host: "127.0.0.1",
      // eslint-disable-next-line require-yield
      async *handleMessage() {
        throw new Error("the pager is down");
      },
    });
    gateway = await startConsoleGateway({
      agents: [agents.knowledge, agents.research, decliner, agents.skill, longAgent],
      defaultAgentIds: ["knowledge-agent"],
    });
    browser = await launchBrowser();
    // Seeded as alice with her admin key: 30 threads (some with long titles); the newest gets 30 message turns and 10 delegations.
    for (let index = 0; index < 30; index++) {
      const title =
        index % 7 === 3
          ? `A very long thread title about escalation policies, paging rotations and on-call handovers #${index}`
          : `Thread ${index + 1}`;
      const thread = await api<{ id: string }>("POST", "/v1/threads", { title });
      busyThread = thread.id;
    }
    for (let index = 0; index < 30; index++) {
      await api("POST", `/v1/threads/${busyThread}/messages`, {
        message: `Question ${index + 1}: how do alerts reach the on-call engineer when the primary pager is down?`,
      });
    }
    for (let index = 0; index < 10; index++) {
      await api("POST", `/v1/threads/${busyThread}/delegations`, {
        message: `Delegated question ${index + 1}`,
        agentIds: ["knowledge-agent", "research-agent", "decliner-agent"],
        strategy: "parallel",
      });
    }
    await api("POST", `/v1/threads/${busyThread}/delegations`, {
      message: "Page the on-call engineer",
      agentIds: [LONG_ID, "knowledge-agent"],
      strategy: "parallel",
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await Promise.all([agents?.close(), decliner?.close(), longAgent?.close()]);
  });

  /** Runs 10 three-agent delegations from the panel: 30 result rows. */
  async function fillDelegations(page: Page): Promise<void> {
    await page.getByTestId("tab-delegate").click();
    for (const box of await page.getByTestId("delegate-agents").locator("input").all()) {
      await box.setChecked(
        ["knowledge-agent", "research-agent", "decliner-agent"].includes(await box.inputValue()),
      );
    }
    for (let run = 1; run <= 10; run++) {
      await page.getByTestId("delegate-message").fill(`Panel question ${run}`);
      await page.getByTestId("delegate-run").click();
      await expect.poll(() => page.locator("#delegate-results .run").count()).toBe(run);
    }
    expect(await page.locator("#delegate-results .result").count()).toBe(30);
  }

  for (const size of SIZES) {
    it(`holds at ${size.width}x${size.height} with 30 threads, 40 turns and 30 delegation rows: no control clipped or covered`, async () => {
      const { page, problems, close } = await openConsole(browser, gateway.url, size);
      try {
        await signIn(page, gateway.alice[size.role]);
        await expect.poll(() => page.locator("button.thread").count()).toBe(30);
        await page.locator(`button.thread[data-thread-id="${busyThread}"]`).click();
        await expect.poll(() => page.locator(".msg").count()).toBeGreaterThanOrEqual(60);
        await expect.poll(() => page.locator("#timeline .turn").count()).toBeGreaterThanOrEqual(40);
        await fillDelegations(page);

        const name = `layout-${size.width}x${size.height}`;
        for (const tab of TABS) {
          await page.getByTestId(`tab-${tab}`).click();
          if (tab === "agents") await page.locator(".agent-card").first().waitFor();
          if (tab === "routing") {
            // An explanation with its candidates shown, and (for the admin-less roles here) no setting.
            await page.getByTestId("explain-message").fill("how do alerts reach the on-call engineer?");
            await page.getByTestId("explain-run").click();
            await page.locator("#explain-result .route-choice").waitFor();
          }
          expect(await clippedControls(page), `${name} ${tab}`).toEqual([]);
          expect(await pastPanel(page, `#tab-${tab}`), `${name} ${tab}`).toEqual([]);
          // Back at the top of every panel for the picture.
          await page.evaluate(() => {
            for (const node of document.querySelectorAll(".tab-panel, #threads")) node.scrollTop = 0;
          });
          await screenshot(page, `${name}-${tab}`);
        }
        // The page itself never scrolls: each panel scrolls on its own.
        expect(await page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight)).toBe(
          true,
        );
        // Renaming opens a form in the header; it fits too.
        await page.getByTestId("rename").click();
        expect(await clippedControls(page), `${name} rename`).toEqual([]);
        await page.getByTestId("rename-cancel").click();
        expect(problems).toEqual([]);

        // The check can fail: a squeezed composer hides Send, and a box laid over New thread covers it.
        await page.evaluate(() => {
          const composer = document.querySelector<HTMLElement>(".composer")!;
          composer.style.height = "12px";
          composer.style.overflow = "hidden";
          const cover = document.createElement("div");
          const target = document.getElementById("new-thread")!.getBoundingClientRect();
          Object.assign(cover.style, {
            position: "fixed",
            left: `${target.left}px`,
            top: `${target.top}px`,
            width: `${target.width}px`,
            height: `${target.height}px`,
          });
          cover.id = "cover";
          document.body.append(cover);
        });
        const broken = await clippedControls(page);
        expect(broken).toContainEqual({
          control: 'button[send] "Send"',
          // Squeezed out of its form, and (in the composer's actions column) past the viewport's bottom.
          problem: expect.stringMatching(/^(clipped by form|outside the viewport)/),
        });
        expect(broken).toContainEqual({
          control: 'button[new-thread] "New thread"',
          problem: "covered by div[cover]",
        });
      } finally {
        await close();
      }
    }, 120_000);
  }
});

/**
 * The elements of `panel` that reach past its right edge (or make it scroll sideways), apart from
 * those inside a box that clips or scrolls them; an empty list means long words wrap.
 */
async function pastPanel(page: Page, panel: string): Promise<string[]> {
  return page.evaluate((panel) => {
    const box = document.querySelector(panel)!;
    const right = box.getBoundingClientRect().left + box.clientLeft + box.clientWidth;
    const found: string[] = [];
    if (box.scrollWidth > box.clientWidth + 1) found.push(`${panel} scrolls sideways`);
    const clipped = (node: Element) => {
      for (let parent = node.parentElement; parent && parent !== box; parent = parent.parentElement) {
        if (getComputedStyle(parent).overflowX !== "visible") return true;
      }
      return false;
    };
    for (const node of box.querySelectorAll("*")) {
      const rect = node.getBoundingClientRect();
      if (rect.width === 0 || rect.right <= right + 0.5 || clipped(node)) continue;
      found.push(`${node.tagName.toLowerCase()}.${node.className}: ${(node.textContent ?? "").slice(0, 30)}`);
    }
    return found.slice(0, 10);
  }, panel);
}
