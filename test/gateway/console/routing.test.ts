/**
 * Routing by skills in the console, in a real Chromium against a gateway with the real SkillRouter
 * and eight real agents with distinct skills: an admin turns routing on in the Routing tab (a value
 * out of range is refused, naming the field), "Who would answer?" explains a draft without sending
 * it, the message then goes to the agent explained, and the timeline shows the choice (who, why,
 * the ranked candidates with scores); a message nothing fits shows as such; an agent-requested
 * transfer is labelled as requested by the agent, and one its target refuses as rejected. Other
 * roles see "Who would answer?" but not the setting.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentSkill } from "../../../src/a2a/agent-card.js";
import { handoffData } from "../../../src/a2a/handoff-extension.js";
import { serveAgent, type ServedAgent } from "../../../src/a2a/server/serve-agent.js";
import {
  clippedControls,
  launchBrowser,
  openConsole,
  screenshot,
  signIn,
  skipBrowser,
  startConsoleGateway,
  type ConsoleGateway,
} from "../../helpers/browser.js";
import { startSkilledAgent, type SkilledAgent } from "../../helpers/routing.js";

const SKILLS: Record<string, AgentSkill[]> = {
  "billing-agent": [
    {
      id: "invoices",
      name: "Invoices",
      description: "Issues refunds, corrects invoices and explains charges on a bill",
      tags: ["invoice", "refund", "billing", "charge"],
      examples: ["I need a refund for my invoice", "Why was I charged twice?"],
    },
  ],
  "docs-agent": [
    {
      id: "docs-search",
      name: "Documentation search",
      description: "Searches the product documentation and how-to guides",
      tags: ["documentation", "docs", "guide", "how-to"],
      examples: ["How do I configure single sign-on?", "Where is the guide for webhooks?"],
    },
  ],
  "deploy-agent": [
    {
      id: "deployments",
      name: "Deployments",
      description: "Deploys services to production, rolls back a bad release, shows deploy status",
      tags: ["deploy", "release", "rollback", "production"],
      examples: ["Roll back the last release of the api", "Deploy version 2.3 to production"],
    },
  ],
  "calendar-agent": [
    {
      id: "calendar",
      name: "Calendar scheduling",
      description: "Schedules and reschedules meetings",
      tags: ["meeting", "calendar"],
    },
  ],
  "travel-agent": [
    {
      id: "travel",
      name: "Travel booking",
      description: "Books flights, hotels and trains",
      tags: ["flight", "hotel"],
    },
  ],
  "security-agent": [
    {
      id: "security",
      name: "Security incidents",
      description: "Reports phishing and security incidents",
      tags: ["phishing", "incident"],
    },
  ],
  "triage-agent": [
    {
      id: "triage",
      name: "Customer triage desk",
      description: "Triage of customer requests: sends the customer to the right team",
      tags: ["triage", "desk"],
      examples: ["send me to the triage desk"],
    },
  ],
};

const REFUND = "I need a refund for my invoice, I was charged twice";

describe.skipIf(skipBrowser)("console routing", () => {
  let browser: Browser;
  let agents: SkilledAgent[];
  let legal: ServedAgent;
  let gateway: ConsoleGateway;

  beforeAll(async () => {
    agents = [];
    for (const [id, skills] of Object.entries(SKILLS)) {
      agents.push(
        await startSkilledAgent({
          id,
          skills,
          handoff: id === "billing-agent",
          // The triage desk passes the customer on to the agent the message names (target=...).
          ...(id === "triage-agent"
            ? {
                async *handle(ctx) {
                  yield "Passing you on.";
                  yield {
                    data: handoffData.suggest({
                      targetAgentId: /target=(\S+)/.exec(ctx.text)?.[1] ?? "billing-agent",
                      contextSummary: "customer passed on by the triage desk",
                      reason: "the customer's question belongs to that team",
                    }),
                  };
                },
              }
            : {}),
        }),
      );
    }
    legal = await serveAgent({
      card: {
        identity: { id: "legal-agent", name: "legal-agent", description: "Contracts" },
        skills: [{ id: "contracts", name: "Contracts", tags: ["contract", "nda"] }],
      },
      port: 0,
      host: "127.0.0.1",
      async *handleMessage() {
        yield "Legal here.";
      },
      onHandoffRequest: async () => ({ accepted: false, rejectionReason: "Legal takes no transfers" }),
    });
    gateway = await startConsoleGateway({
      agents: [...agents, legal],
      defaultAgentIds: ["docs-agent"],
    });
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await Promise.all([...(agents ?? []).map((agent) => agent.close()), legal?.close()]);
  });

  async function routingSetting(): Promise<Record<string, unknown>> {
    const res = await fetch(`${gateway.url}/v1/routing`, {
      headers: { authorization: `Bearer ${gateway.alice.admin}` },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  }

  /** Sends `text` from the composer and waits for its turn in the timeline. */
  async function sendAndWait(page: Page, text: string, turns: number): Promise<void> {
    await page.getByTestId("message-input").fill(text);
    await page.getByTestId("message-input").press("Enter");
    await page.getByTestId("tab-timeline").click();
    await expect.poll(() => page.locator("#timeline .turn").count()).toBe(turns);
    await expect.poll(() => page.getByTestId("send").isDisabled()).toBe(false);
  }

  /** The newest turn's route choice: outcome, verdict, reason and candidates as shown. */
  async function newestChoice(page: Page) {
    return choiceIn(page.locator("#timeline .turn").first().locator('.event[data-kind="route"]'));
  }

  it("an admin turns routing on in the console; explain and the timeline show the same choice", async () => {
    const { page, problems, close } = await openConsole(browser, gateway.url);
    try {
      await signIn(page, gateway.alice.admin);
      await page.getByTestId("new-thread").click();
      await expect.poll(() => page.getByTestId("message-input").isDisabled()).toBe(false);

      // The setting: off until changed.
      await page.getByTestId("tab-routing").click();
      await expect
        .poll(() => page.getByTestId("routing-status").textContent())
        .toContain("Skill routing is off");
      expect(await page.getByTestId("routing-enabled").isChecked()).toBe(false);
      expect(await page.getByTestId("routing-max-agents").inputValue()).toBe("1");

      // A value out of range is refused by the gateway, the field named and marked, nothing stored.
      await page.getByTestId("routing-enabled").check();
      await page.getByTestId("routing-max-agents").fill("9");
      await page.getByTestId("routing-save").click();
      await expect.poll(() => page.getByTestId("routing-error").textContent()).toMatch(/maxAgents/);
      expect(await page.getByTestId("routing-error").textContent()).toContain("at most 5");
      expect(await page.getByTestId("routing-max-agents").getAttribute("aria-invalid")).toBe("true");
      expect(await routingSetting()).toMatchObject({ enabled: false });
      await screenshot(page, "routing-settings-error");

      // Routing is off: explain says the default agent answers.
      await page.getByTestId("message-input").fill(REFUND);
      await page.getByTestId("explain-draft").click();
      await expect.poll(() => page.locator("#explain-result .route-choice").count()).toBe(1);
      expect(await page.getByTestId("explain-result").textContent()).toContain("Skill routing is off");
      expect(await choiceIn(page.getByTestId("explain-result"))).toMatchObject({
        outcome: "defaults",
        verdict: "The default agents answer (docs-agent)",
        reason: "routing is off: the default agents answer",
        candidates: [],
      });

      await page.getByTestId("routing-max-agents").fill("1");
      await page.getByTestId("routing-min-score").fill("0.3");
      await page.getByTestId("routing-fallback").selectOption("defaults");
      await page.getByTestId("routing-save").click();
      await expect
        .poll(() => page.getByTestId("routing-status").textContent())
        .toMatch(/^Saved\. Skill routing is on\. Last changed by alice/);
      expect(await page.getByTestId("routing-error").textContent()).toBe("");
      expect(await page.getByTestId("routing-max-agents").getAttribute("aria-invalid")).toBeNull();
      expect(await routingSetting()).toMatchObject({
        enabled: true,
        maxAgents: 1,
        minScore: 0.3,
        fallback: "defaults",
        updatedBy: "alice",
      });
      // The admin's panel (explain and the setting) fits at 1280x800: no control clipped or covered.
      expect(await clippedControls(page)).toEqual([]);
      await screenshot(page, "routing-settings");

      // Who would answer the draft? billing-agent, and nothing was sent.
      const billing = agents.find((agent) => agent.card.identity.id === "billing-agent")!;
      const calls = billing.received.length;
      await page.getByTestId("explain-draft").click();
      await expect
        .poll(async () => (await choiceIn(page.getByTestId("explain-result"))).outcome)
        .toBe("selected");
      const explained = await choiceIn(page.getByTestId("explain-result"));
      expect(explained.verdict).toBe("billing-agent answers");
      expect(explained.candidates[0]).toMatchObject({ agentId: "billing-agent", chosen: "true" });
      expect(explained.candidates[0]!.text).toMatch(
        /^billing-agent0\.\d\d— skill Invoices: .*(refund|invoice)/,
      );
      expect(explained.reason).toMatch(
        /^billing-agent \(score 0\.\d\d\): skill "Invoices" of billing-agent matches/,
      );
      expect(billing.received.length).toBe(calls);
      expect(await page.locator(".msg").count()).toBe(0);
      expect(await page.getByTestId("message-input").inputValue()).toBe(REFUND);
      expect(await page.getByTestId("explain-context").textContent()).toContain("selected thread");
      await screenshot(page, "routing-explain");

      // Sent: billing-agent answers, and the timeline shows the same choice.
      await sendAndWait(page, REFUND, 1);
      await expect.poll(() => page.locator(".msg.assistant .who").last().textContent()).toBe("billing-agent");
      expect(billing.received.length).toBe(calls + 1);
      const routed = await newestChoice(page);
      expect(routed).toEqual(explained);
      await screenshot(page, "routing-timeline");

      // A deployment question goes to the deployment agent.
      await sendAndWait(page, "Roll back the production deploy of the api release", 2);
      const deploy = await newestChoice(page);
      expect(deploy).toMatchObject({ outcome: "selected", verdict: "deploy-agent answers" });
      expect(deploy.candidates[0]).toMatchObject({ agentId: "deploy-agent", chosen: "true" });
      expect(deploy.candidates[0]!.text).toContain("skill Deployments");

      // Nothing fits: shown as such, and the default agent answers.
      await sendAndWait(page, "zebra quantum marmalade", 3);
      const none = await newestChoice(page);
      expect(none.outcome).toBe("defaults");
      expect(none.verdict).toBe("Nothing fits: the default agents answer (docs-agent)");
      expect(none.reason).toMatch(/the default agents answer$/);
      expect(none.candidates.every((candidate) => candidate.chosen === "false")).toBe(true);
      await expect.poll(() => page.locator(".msg.assistant .who").last().textContent()).toBe("docs-agent");
      expect(
        await page
          .locator("#timeline .turn")
          .first()
          .locator('.event[data-kind="route"] .event-agent')
          .textContent(),
      ).toBe("docs-agent");
      await screenshot(page, "routing-nothing-fits");
      // The one refused save, as the browser logs it; nothing else went wrong.
      expect(problems).toEqual([expect.stringMatching(/status of 400 \(Bad Request\)$/)]);
    } finally {
      await close();
    }
  }, 60_000);

  it("an agent-requested transfer is labelled as such in the timeline; one its target refuses shows as rejected", async () => {
    const { page, problems, close } = await openConsole(browser, gateway.url);
    try {
      await signIn(page, gateway.alice.admin);
      expect(await routingSetting()).toMatchObject({ enabled: true });
      await page.getByTestId("new-thread").click();
      await expect.poll(() => page.getByTestId("message-input").isDisabled()).toBe(false);

      await sendAndWait(page, "the triage desk please, target=legal-agent", 1);
      const refused = page.locator("#timeline .turn").first().locator('.event[data-kind="handoff_rejected"]');
      await refused.waitFor();
      expect(await refused.locator(".event-kind").textContent()).toBe("Handoff rejected");
      expect(await refused.locator(".event-agent").textContent()).toBe(
        "triage-agent → legal-agent · requested by the agent",
      );
      expect(await refused.locator(".status").textContent()).toBe("rejected");
      expect(await newestChoice(page)).toMatchObject({
        outcome: "selected",
        verdict: "triage-agent answers",
      });

      await sendAndWait(page, "the triage desk please, target=billing-agent", 2);
      const started = page.locator("#timeline .turn").first().locator('.event[data-kind="handoff_started"]');
      await started.waitFor();
      expect(await started.locator(".event-kind").textContent()).toBe("Handoff started");
      expect(await started.locator(".event-agent").textContent()).toBe(
        "triage-agent → billing-agent · requested by the agent",
      );
      expect(await started.getAttribute("data-outcome")).toBe("ok");
      await expect.poll(() => page.getByTestId("holder").getAttribute("data-agent-id")).toBe("billing-agent");

      // The thread is held: explain says the specialist answers, whatever the message.
      await page.getByTestId("message-input").fill("book me a flight and a hotel");
      await page.getByTestId("explain-draft").click();
      await expect
        .poll(async () => (await choiceIn(page.getByTestId("explain-result"))).outcome)
        .toBe("handoff");
      expect((await choiceIn(page.getByTestId("explain-result"))).verdict).toBe(
        "A handoff holds the thread: billing-agent answers",
      );
      await page.getByTestId("tab-timeline").click();
      await screenshot(page, "routing-transfer");
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);

  for (const role of ["operator", "viewer"] as const) {
    it(`a ${role} can ask who would answer but does not see the routing setting`, async () => {
      const { page, problems, close } = await openConsole(browser, gateway.url);
      try {
        await signIn(page, gateway.alice[role]);
        await page.getByTestId("tab-routing").click();
        expect(await page.getByTestId("routing-settings").isVisible()).toBe(false);
        expect(await page.getByTestId("routing-enabled").count()).toBe(1); // in the page, hidden
        await page.getByTestId("explain-message").fill("Deploy version 2.3 to production");
        await page.getByTestId("explain-run").click();
        await expect
          .poll(async () => (await choiceIn(page.getByTestId("explain-result"))).verdict)
          .toBe("deploy-agent answers");
        expect(await page.getByTestId("explain-context").textContent()).toContain("No thread selected");
        await screenshot(page, `routing-${role}`);
        expect(problems).toEqual([]);
      } finally {
        await close();
      }
    });
  }
});

/** A route choice as the page shows it, inside `scope`. */
async function choiceIn(scope: ReturnType<Page["locator"]>) {
  const choice = scope.locator(".route-choice").first();
  if ((await choice.count()) === 0) return { outcome: "", verdict: "", reason: "", candidates: [] };
  return {
    outcome: (await choice.getAttribute("data-outcome")) ?? "",
    verdict: (await choice.locator(".route-verdict").textContent()) ?? "",
    reason: (await choice.locator(".route-reason").textContent()) ?? "",
    candidates: await choice.locator(".candidate").evaluateAll((items) =>
      items.map((item) => ({
        agentId: (item as HTMLElement).dataset.agentId ?? "",
        chosen: (item as HTMLElement).dataset.chosen ?? "",
        text: item.textContent ?? "",
      })),
    ),
  };
}
