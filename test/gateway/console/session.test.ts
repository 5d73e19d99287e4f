/**
 * The console's session in a real Chromium: signing in shows tenant, user and role (never the
 * key); a wrong key is refused in words; signing out forgets everything, so the next user (bob,
 * an end user of the same tenant) sees none of alice's threads, messages, timings or errors, and
 * is offered only what his role may do.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

describe.skipIf(skipBrowser)("console session", () => {
  let browser: Browser;
  let agent: RecordingAgent;
  let gateway: ConsoleGateway;

  beforeAll(async () => {
    agent = await startAgent({
      id: "helper-agent",
      async *handle(ctx) {
        if (ctx.text.includes("break")) throw new Error("the helper broke");
        yield `Answer to **${ctx.text}**`;
      },
    });
    gateway = await startConsoleGateway({ agents: [agent] });
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await agent?.close();
  });

  it("refuses a wrong key, shows who signed in but never the key, and offers Sign out only when signed in", async () => {
    const { page, problems, close } = await openConsole(browser, gateway.url);
    try {
      await page.getByTestId("key-input").waitFor();
      expect(await page.getByTestId("sign-out").isVisible()).toBe(false);
      expect(await page.getByTestId("identity").isVisible()).toBe(false);

      await page.getByTestId("key-input").fill("of_not-a-real-key");
      await page.getByTestId("connect").click();
      await expect
        .poll(() => page.getByTestId("login-error").textContent())
        .toContain("Invalid or revoked API key");
      expect(await page.getByTestId("sign-out").isVisible()).toBe(false);

      await signIn(page, gateway.alice.operator);
      expect(await page.getByTestId("who-tenant").textContent()).toBe("acme");
      expect(await page.getByTestId("who-user").textContent()).toBe("alice");
      expect(await page.getByTestId("who-role").textContent()).toBe("operator");
      expect(await page.getByTestId("sign-out").isVisible()).toBe(true);
      const body = (await page.locator("body").textContent()) ?? "";
      expect(body).not.toContain(gateway.alice.operator);
      expect(body).not.toContain(gateway.alice.operator.slice(0, 10));

      // The key is remembered across a reload, and forgotten on sign-out.
      await page.reload();
      await page.getByTestId("who-user").filter({ hasText: "alice" }).waitFor();
      await page.getByTestId("sign-out").click();
      await page.getByTestId("key-input").waitFor();
      expect(await page.evaluate(() => localStorage.length)).toBe(0);
      expect(await page.getByTestId("sign-out").isVisible()).toBe(false);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it("signing out clears every trace of alice; bob (end_user) starts blank and can chat", async () => {
    const { page, problems, close } = await openConsole(browser, gateway.url);
    try {
      await signIn(page, gateway.alice.operator);
      // Nothing selected: the composer is off and says why; Enter sends nothing.
      expect(await page.getByTestId("message-input").isDisabled()).toBe(true);
      expect(await page.getByTestId("composer-reason").textContent()).toContain("Pick a thread");

      await page.getByTestId("new-thread").click();
      await expect.poll(() => page.getByTestId("message-input").isDisabled()).toBe(false);
      await page.getByTestId("message-input").fill("alice's secret plan");
      await page.getByTestId("message-input").press("Enter");
      await expect
        .poll(() => page.locator(".msg.assistant .text").last().textContent())
        .toContain("Answer to alice's secret plan");
      await page.getByTestId("message-input").fill("please break");
      await page.getByTestId("message-input").press("Enter");
      await expect.poll(() => page.locator(".msg.failed").count()).toBe(1);
      await expect.poll(() => page.getByTestId("timeline").locator(".turn").count()).toBeGreaterThan(0);
      await page.getByTestId("tab-delegate").click();
      await page.getByTestId("delegate-agents").locator("input").first().check();
      await page.getByTestId("delegate-message").fill("alice's delegation");
      await page.getByTestId("delegate-run").click();
      await expect.poll(() => page.locator("#delegate-results .result").count()).toBe(1);
      await page.getByTestId("delegate-message").fill("alice's unsent draft");
      await page.getByTestId("message-input").fill("alice's unsent message");
      await screenshot(page, "session-alice");

      await page.getByTestId("sign-out").click();
      await page.getByTestId("key-input").waitFor();
      expect(await page.evaluate(() => localStorage.length)).toBe(0);
      // Even hidden, the page holds nothing of alice's.
      const leftovers = await page.evaluate(() => document.body.textContent ?? "");
      for (const trace of ["secret plan", "alice", "helper broke", "Answer to", "unsent"]) {
        expect(leftovers, trace).not.toContain(trace);
      }
      for (const id of [
        "handoff-summary",
        "delegate-message",
        "message-input",
        "key-input",
        "rename-input",
      ]) {
        expect(await page.getByTestId(id).inputValue(), id).toBe("");
      }

      await signIn(page, gateway.bob);
      expect(await page.getByTestId("who-user").textContent()).toBe("bob");
      expect(await page.getByTestId("who-role").textContent()).toBe("end_user");
      expect(await page.getByTestId("threads").locator("button.thread").count()).toBe(0);
      expect(await page.locator(".msg").count()).toBe(0);
      expect(await page.getByTestId("timeline").locator(".turn").count()).toBe(0);
      expect(await page.locator("#delegate-results .result").count()).toBe(0);
      expect(await page.getByTestId("delegate-agents").locator("input:checked").count()).toBe(0);
      expect(await page.getByTestId("chat-error").textContent()).toBe("");
      expect(await page.getByTestId("thread-name").textContent()).toBe("No thread selected");
      expect(await page.getByTestId("message-input").isDisabled()).toBe(true);
      const seen = (await page.locator("body").textContent()) ?? "";
      for (const trace of ["secret plan", "alice", "helper broke"]) expect(seen, trace).not.toContain(trace);

      // Bob's role: he may hand off but not cancel one, and may not delegate.
      await page.getByTestId("tab-handoff").click();
      expect(await page.getByTestId("handoff-start").isVisible()).toBe(true);
      expect(await page.getByTestId("handoff-cancel").isVisible()).toBe(false);
      await page.getByTestId("tab-delegate").click();
      expect(await page.getByTestId("delegate-run").isVisible()).toBe(false);
      expect(await page.getByTestId("delegate-reason").textContent()).toBe(
        "Your role (end_user) cannot delegate.",
      );

      // The composer works for bob.
      await page.getByTestId("new-thread").click();
      await expect.poll(() => page.getByTestId("message-input").isDisabled()).toBe(false);
      await page.getByTestId("message-input").fill("hello from bob");
      await page.getByTestId("message-input").press("Enter");
      await expect
        .poll(() => page.locator(".msg.assistant .text").last().textContent())
        .toContain("Answer to hello from bob");
      expect(await page.locator(".msg.assistant strong").last().textContent()).toBe("hello from bob");
      await screenshot(page, "session-bob");
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});
