/**
 * The side panels in a real Chromium: the per-turn timeline (route chosen -> agent called ->
 * first chunk -> done, with durations, grouped by turn and refreshed after each turn), the
 * delegation panel (agents, strategy, timeout; each agent's result: ok, declined, cancelled or
 * failed with its code — a FIRST_SUCCESS loser is "cancelled", not failed), and the agents view
 * (each agent's card, skills with tags and examples, protocol and health).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveAgent, type ServedAgent } from "../../../src/a2a/server/serve-agent.js";
import { startAgent, type RecordingAgent } from "../../helpers/agents.js";
import {
  launchBrowser,
  openConsole,
  screenshot,
  signIn,
  skipBrowser,
  startConsoleGateway,
  type ConsoleGateway,
} from "../../helpers/browser.js";

describe.skipIf(skipBrowser)("console panels", () => {
  let browser: Browser;
  let quick: ServedAgent;
  let slow: RecordingAgent;
  let decliner: RecordingAgent;
  let broken: RecordingAgent;
  let gateway: ConsoleGateway;

  beforeAll(async () => {
    quick = await serveAgent({
      card: {
        identity: {
          id: "docs-agent",
          name: "Docs agent",
          description: "Answers from the product docs",
          version: "2.1",
        },
        skills: [
          {
            id: "docs-search",
            name: "Search the docs",
            description: "Finds the passage that answers a question",
            tags: ["docs", "search"],
            examples: ["How do alerts work?"],
          },
        ],
      },
      port: 0,
      host: "127.0.0.1",
      async *handleMessage(ctx) {
        yield "From the docs: ";
        yield `**${ctx.text}** is covered in _alerts.md_.`;
      },
    });
    slow = await startAgent({ id: "slow-agent", hang: true });
    decliner = await startAgent({
      id: "decliner-agent",
      // eslint-disable-next-line require-yield
      async *handle(ctx) {
        ctx.decline("Nothing in my corpus matches");
      },
    });
    broken = await startAgent({ id: "broken-agent", fail: "the index is corrupt" });
    gateway = await startConsoleGateway({
      agents: [quick, slow, decliner, broken],
      defaultAgentIds: ["docs-agent"],
    });
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await Promise.all([quick?.close(), slow?.close(), decliner?.close(), broken?.close()]);
  });

  async function startThread(page: Page): Promise<void> {
    await signIn(page, gateway.alice.operator);
    await page.getByTestId("new-thread").click();
    await expect.poll(() => page.getByTestId("message-input").isDisabled()).toBe(false);
  }

  it("groups the timeline by turn: route chosen, agent called, first chunk, done, with durations; refreshed after each turn", async () => {
    const { page, problems, close } = await openConsole(browser, gateway.url);
    try {
      await startThread(page);
      await expect.poll(() => page.getByTestId("timeline").textContent()).toContain("No turns yet");
      for (const [index, text] of ["how do alerts work?", "and escalation?"].entries()) {
        await page.getByTestId("message-input").fill(text);
        await page.getByTestId("message-input").press("Enter");
        await expect.poll(() => page.locator("#timeline .turn").count()).toBe(index + 1);
      }
      const newest = page.locator("#timeline .turn").first();
      expect(await newest.locator(".turn-title").textContent()).toBe("#2 Message");
      expect(await newest.locator(".turn-total").textContent()).toMatch(/^\d+ ms$|^\d+(\.\d)? s$/);
      const kinds = await newest
        .locator(".event")
        .evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.kind));
      const order = ["route", "agent_call", "first_chunk", "done"].map((kind) => kinds.indexOf(kind));
      expect(
        order.every((position) => position >= 0),
        JSON.stringify(kinds),
      ).toBe(true);
      // Shown in the order they began: route chosen -> agent called -> first chunk -> done.
      expect(kinds.indexOf("route")).toBeLessThan(kinds.indexOf("agent_call"));
      expect(kinds.indexOf("agent_call")).toBeLessThan(kinds.indexOf("first_chunk"));
      expect(kinds.indexOf("first_chunk")).toBeLessThan(kinds.indexOf("done"));
      const call = newest.locator('.event[data-kind="agent_call"]');
      expect(await call.getAttribute("data-agent-id")).toBe("docs-agent");
      expect(await call.getAttribute("data-outcome")).toBe("ok");
      expect(await call.locator(".event-ms").textContent()).toMatch(/^\d+ ms$/);
      expect(await call.locator(".event-at").textContent()).toMatch(/^\+\d+ ms$/);
      expect(await newest.locator('.event[data-kind="route"] .event-kind').textContent()).toBe(
        "Route chosen",
      );
      await screenshot(page, "panel-timeline");
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it("runs a delegation with the chosen agents, strategy and timeout, and shows each agent's result", async () => {
    const { page, problems, close } = await openConsole(browser, gateway.url);
    try {
      await startThread(page);
      await page.getByTestId("tab-delegate").click();
      expect(
        await page
          .getByTestId("delegate-agents")
          .locator("input")
          .evaluateAll((boxes) => boxes.map((box) => (box as HTMLInputElement).value)),
      ).toEqual(["docs-agent", "slow-agent", "decliner-agent", "broken-agent"]);

      // Nothing picked: the panel says so and sends nothing.
      await page.getByTestId("delegate-message").fill("what changed in 2.1?");
      await page.getByTestId("delegate-run").click();
      expect(await page.getByTestId("delegate-error").textContent()).toBe("Pick at least one agent.");

      // PARALLEL: ok, declined, failed with its code.
      await check(page, ["docs-agent", "decliner-agent", "broken-agent"]);
      await page.getByTestId("delegate-strategy").selectOption("parallel");
      await page.getByTestId("delegate-timeout").fill("5000");
      await page.getByTestId("delegate-run").click();
      await expect.poll(() => page.locator("#delegate-results .run").count()).toBe(1);
      expect(await outcomes(page)).toEqual({
        "docs-agent": "ok",
        "decliner-agent": "declined",
        "broken-agent": expect.stringMatching(/^failed: AGENT_[A-Z_]+$/),
      });
      expect(
        await page.locator('#delegate-results .result[data-agent-id="docs-agent"] .ms').textContent(),
      ).toMatch(/^\d+ ms$/);

      // FIRST_SUCCESS: the winner is ok, the agent still working when it won is cancelled (grey, not red).
      await check(page, ["docs-agent", "slow-agent"]);
      await page.getByTestId("delegate-strategy").selectOption("first_success");
      await page.getByTestId("delegate-run").click();
      await expect.poll(() => page.locator("#delegate-results .run").count()).toBe(2);
      expect(await outcomes(page)).toEqual({ "docs-agent": "ok", "slow-agent": "cancelled" });
      const loser = page
        .locator("#delegate-results .run")
        .first()
        .locator('.result[data-agent-id="slow-agent"] .status');
      expect(await loser.getAttribute("class")).toBe("status cancelled");

      // The timeline shows the delegation turn, its loser cancelled.
      await page.getByTestId("tab-timeline").click();
      await expect.poll(() => page.locator("#timeline .turn").count()).toBe(2);
      const turn = page.locator("#timeline .turn").first();
      expect(await turn.locator(".turn-title").textContent()).toBe("#2 Delegation");
      const cancelled = turn.locator('.event[data-kind="delegation"][data-agent-id="slow-agent"]');
      expect(await cancelled.getAttribute("data-outcome")).toBe("cancelled");
      expect(await cancelled.locator(".status").textContent()).toBe("cancelled");
      await page.getByTestId("tab-delegate").click();
      await screenshot(page, "panel-delegation");
      // The runs belong to their thread: another thread starts with none.
      await page.getByTestId("new-thread").click();
      await expect.poll(() => page.locator("#delegate-results .run").count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it("lists the tenant's agents with their card, skills, protocol and health", async () => {
    const { page, problems, close } = await openConsole(browser, gateway.url);
    try {
      await signIn(page, gateway.alice.viewer);
      // A viewer reads: no New thread, no Delegate, and the composer says why it is off.
      await expect.poll(() => page.getByTestId("new-thread").isVisible()).toBe(false);
      expect(await page.getByTestId("composer-reason").textContent()).toBe(
        "Your role (viewer) can read threads but not send messages.",
      );
      await page.getByTestId("tab-agents").click();
      const docs = page.locator('.agent-card[data-agent-id="docs-agent"]');
      await docs.waitFor();
      expect(await docs.locator("h3").textContent()).toBe("Docs agent");
      expect(await docs.locator(".description").textContent()).toBe("Answers from the product docs");
      expect(await docs.locator(".flags .flag").allTextContents()).toEqual(["configured", "default", "v2.1"]);
      expect(await docs.locator(".url dd").textContent()).toBe(quick.url);
      expect(await docs.locator(".skill strong").textContent()).toBe("Search the docs");
      expect(await docs.locator(".skill .tag").allTextContents()).toEqual(["docs", "search"]);
      expect(await docs.locator(".skill .examples li").allTextContents()).toEqual(["How do alerts work?"]);
      await expect.poll(() => docs.getByTestId("agent-health").getAttribute("data-status")).toBe("ok");
      expect(await docs.getByTestId("agent-health").textContent()).toMatch(/^healthy · \d+ ms$/);
      expect(await docs.locator(".protocol dd").textContent()).toMatch(
        /A2A \d\.\d · (JSONRPC|HTTP\+JSON|GRPC)/,
      );
      expect(await page.locator(".agent-card").count()).toBe(4);

      // An agent that went away shows as unreachable.
      await broken.close();
      await page.getByTestId("tab-timeline").click();
      await page.getByTestId("tab-agents").click();
      const gone = page.locator('.agent-card[data-agent-id="broken-agent"]').getByTestId("agent-health");
      await expect.poll(() => gone.getAttribute("data-status")).toBe("unreachable");
      expect(await gone.textContent()).toMatch(/^unreachable/);
      await screenshot(page, "panel-agents");
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});

/** Ticks exactly `agentIds` in the delegation panel. */
async function check(page: Page, agentIds: string[]): Promise<void> {
  for (const box of await page.getByTestId("delegate-agents").locator("input").all()) {
    await box.setChecked(agentIds.includes(await box.inputValue()));
  }
}

/** The newest run's status per agent. */
async function outcomes(page: Page): Promise<Record<string, string>> {
  const rows = page.locator("#delegate-results .run").first().locator(".result");
  const entries = await rows.evaluateAll((nodes) =>
    nodes.map((node) => [
      (node as HTMLElement).dataset.agentId ?? "",
      node.querySelector(".status")?.textContent ?? "",
    ]),
  );
  return Object.fromEntries(entries);
}
