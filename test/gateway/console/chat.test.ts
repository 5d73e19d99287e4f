/**
 * The conversation in a real Chromium: threads with titles (new, rename), the composer (off with a
 * reason until a thread is selected; Enter sends, Shift+Enter adds a line), a reply streaming in
 * and rendered as safe Markdown (an XSS payload in the reply runs nothing), an agent's question
 * shown as a question and answered by the next message, and a handoff started and cancelled.
 */
import type { Browser, Page } from "playwright-core";
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
import { createGate, startTestAgents, type TestAgents } from "../../helpers/gateway.js";

/** A reply mixing real Markdown with every usual way to smuggle script into HTML. */
const HOSTILE_REPLY = [
  "# Deploy checklist",
  "",
  "- build with `npm run build`",
  "- then **ship**",
  "",
  "```sh",
  "npm test",
  "```",
  "",
  "[docs](https://example.com/docs) and [bad](javascript:window.__xss=1)",
  "",
  '<img src=x onerror="window.__xss=1">',
  "<script>window.__xss=1</script>",
  '<a href="javascript:window.__xss=1" onclick="window.__xss=1" id="evil">click me</a>',
  '<iframe src="javascript:window.__xss=1"></iframe>',
  '<svg onload="window.__xss=1"><circle r="4"></circle></svg>',
  '<p style="position:fixed;inset:0" onmouseover="window.__xss=1">styled</p>',
].join("\n");

describe.skipIf(skipBrowser)("console conversation", () => {
  let browser: Browser;
  let agents: TestAgents;
  let streaming: RecordingAgent;
  let gateway: ConsoleGateway;
  const gate = createGate();

  beforeAll(async () => {
    agents = await startTestAgents();
    streaming = await startAgent({
      id: "streaming-agent",
      async *handle(ctx) {
        if (ctx.text === "book a table") {
          ctx.askUser("Which **day**?");
          return;
        }
        if (ctx.answerTo !== undefined) {
          yield `Booked for ${ctx.text}`;
          return;
        }
        if (ctx.text === "hostile") {
          yield HOSTILE_REPLY;
          return;
        }
        yield "Streaming ";
        await gate.wait(ctx.signal);
        yield `reply to ${ctx.text}`;
      },
    });
    gateway = await startConsoleGateway({ agents: [streaming, agents.skill] });
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await Promise.all([agents?.close(), streaming?.close()]);
  });

  async function send(page: Page, text: string): Promise<void> {
    await page.getByTestId("message-input").fill(text);
    await page.getByTestId("message-input").press("Enter");
  }

  it("threads have titles and can be renamed; the composer says why it is off; Enter sends, Shift+Enter adds a line", async () => {
    const { page, problems, close } = await openConsole(browser, gateway.url);
    try {
      await signIn(page, gateway.alice.operator);
      expect(await page.getByTestId("message-input").isDisabled()).toBe(true);
      expect(await page.getByTestId("send").isDisabled()).toBe(true);
      expect(await page.getByTestId("composer-reason").textContent()).toBe(
        "Pick a thread on the left or start a new one to send a message.",
      );

      await page.getByTestId("new-thread").click();
      await expect.poll(() => page.getByTestId("message-input").isDisabled()).toBe(false);
      expect(await page.getByTestId("composer-reason").textContent()).toBe("");
      const title = (await page.getByTestId("thread-name").textContent()) ?? "";
      expect(title).toMatch(/^New thread, /);
      expect(await page.locator("button.thread .title").allTextContents()).toEqual([title]);

      await page.getByTestId("rename").click();
      await page.getByTestId("rename-input").fill("Alert routing for payments");
      await page.getByTestId("rename-save").click();
      await expect
        .poll(() => page.getByTestId("thread-name").textContent())
        .toBe("Alert routing for payments");
      await expect
        .poll(() => page.locator("button.thread .title").allTextContents())
        .toEqual(["Alert routing for payments"]);
      // The rename was stored, not only shown.
      await page.reload();
      await page.locator("button.thread .title", { hasText: "Alert routing for payments" }).waitFor();

      await page.locator("button.thread").first().click();
      await expect.poll(() => page.getByTestId("message-input").isDisabled()).toBe(false);
      const input = page.getByTestId("message-input");
      await input.fill("line one");
      await input.press("Shift+Enter");
      await input.pressSequentially("line two");
      expect(await input.inputValue()).toBe("line one\nline two");
      expect(await page.locator(".msg.user").count()).toBe(0);
      await input.press("Enter");
      await expect
        .poll(() => page.locator(".msg.user .text").last().textContent())
        .toBe("line one\nline two");
      expect(await input.inputValue()).toBe("");
      const bubble = page.locator(".msg.assistant").last();
      // The first chunk shows while the agent is still working, then the rest.
      await expect.poll(() => bubble.locator(".text").textContent()).toBe("Streaming \n");
      expect(await bubble.getAttribute("class")).toContain("streaming");
      expect(await page.getByTestId("send").isDisabled()).toBe(true);
      await gate.open();
      await expect
        .poll(() => bubble.locator(".text").innerText())
        .toBe("Streaming reply to line one\nline two");
      await expect.poll(() => bubble.getAttribute("class")).not.toContain("streaming");
      expect(await bubble.locator(".who").textContent()).toBe("streaming-agent");
      await expect.poll(() => page.getByTestId("send").isDisabled()).toBe(false);

      // What the user types is text, never HTML.
      await send(page, "<img src=x onerror=alert(1)><b>bold</b>");
      await expect.poll(() => page.locator(".msg.user").last().textContent()).toContain("<b>bold</b>");
      expect(await page.locator(".msg.user img, .msg.user b").count()).toBe(0);
      await gate.open();
      await expect.poll(() => page.getByTestId("send").isDisabled()).toBe(false);
      await screenshot(page, "chat-streamed");
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it("renders an agent's Markdown safely: structure shows, no script in the reply runs", async () => {
    const { page, problems, close } = await openConsole(browser, gateway.url);
    try {
      await signIn(page, gateway.alice.operator);
      await page.getByTestId("new-thread").click();
      await expect.poll(() => page.getByTestId("message-input").isDisabled()).toBe(false);
      await send(page, "hostile");
      const reply = page.locator(".msg.assistant .text").last();
      await reply.locator("h1").waitFor();
      expect(await reply.locator("h1").textContent()).toBe("Deploy checklist");
      expect(await reply.locator("li").allTextContents()).toEqual(["build with npm run build", "then ship"]);
      expect(await reply.locator("li code").textContent()).toBe("npm run build");
      expect(await reply.locator("pre code").first().textContent()).toBe("npm test\n");
      expect(await reply.locator("strong").textContent()).toBe("ship");
      const docs = reply.locator("a", { hasText: "docs" });
      expect(await docs.getAttribute("href")).toBe("https://example.com/docs");
      expect(await docs.getAttribute("rel")).toBe("noopener noreferrer");
      expect(await docs.getAttribute("target")).toBe("_blank");

      // HTML in the reply is shown as the text it is; nothing executable became an element.
      const shown = (await reply.textContent()) ?? "";
      expect(shown).toContain('<img src=x onerror="window.__xss=1">');
      expect(shown).toContain("<script>window.__xss=1</script>");
      expect(await reply.locator("script, iframe, svg, img, style").count()).toBe(0);
      expect(await reply.locator("a").count()).toBe(2);
      const attributes = await reply.evaluate((node) =>
        [...node.querySelectorAll("*")].flatMap((element) =>
          [...element.attributes].map((attribute) => `${attribute.name}=${attribute.value}`),
        ),
      );
      expect(attributes.filter((a) => /^on|^style=|^id=|javascript:/i.test(a))).toEqual([]);
      // The Markdown javascript: link keeps its text and loses its target.
      const bad = reply.locator("a", { hasText: "bad" });
      expect(await bad.getAttribute("href")).toBeNull();
      expect(await bad.getAttribute("rel")).toBe("noopener noreferrer");
      await bad.click();
      expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
      // Reloading renders the stored reply the same way.
      await page.reload();
      await page.locator("button.thread").first().click();
      await page.locator(".msg.assistant .text h1").waitFor();
      expect(await page.locator(".msg.assistant .text script, .msg.assistant .text img").count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
      await screenshot(page, "chat-markdown-xss");
      // No dialog, no script error, no CSP violation.
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it("shows an agent's question as a question, answers it with the next message; hands off and cancels", async () => {
    const { page, problems, close } = await openConsole(browser, gateway.url);
    try {
      await signIn(page, gateway.alice.operator);
      await page.getByTestId("new-thread").click();
      await expect.poll(() => page.getByTestId("message-input").isDisabled()).toBe(false);
      await expect
        .poll(() => holder(page))
        .toEqual({ kind: "orchestrator", text: "Held by the orchestrator" });

      await send(page, "book a table");
      const asking = page.getByTestId("asking");
      await asking.waitFor();
      expect(await asking.locator(".asking-label").textContent()).toBe("Question");
      expect((await asking.locator(".text").textContent())?.trim()).toBe("Which day?");
      expect(await asking.locator(".text strong").textContent()).toBe("day");
      expect(await asking.locator(".asking-note").textContent()).toBe(
        "streaming-agent is waiting for your answer",
      );
      await expect
        .poll(() => page.getByTestId("message-input").getAttribute("placeholder"))
        .toBe("Answer streaming-agent (your message continues its task)");
      expect(await page.getByTestId("composer-reason").textContent()).toBe(
        "streaming-agent is waiting for your answer.",
      );
      await screenshot(page, "chat-question");
      await send(page, "Friday");
      await expect
        .poll(() => page.locator(".msg.assistant .text").last().textContent())
        .toBe("Booked for Friday\n");
      expect(await page.getByTestId("message-input").getAttribute("placeholder")).toContain("Type a message");
      // The question stays marked after a reload (it is in the message's metadata).
      await page.reload();
      await page.locator("button.thread").first().click();
      await page.getByTestId("asking").waitFor();

      // Hand off to the specialist: the holder changes and the next reply comes from it.
      await page.getByTestId("tab-handoff").click();
      expect(await page.getByTestId("handoff-agent").locator("option").allTextContents()).toEqual([
        "skill-agent (skill-agent)",
      ]);
      await page.getByTestId("handoff-summary").fill("Wants Slack alerts");
      await page.getByTestId("handoff-start").click();
      await expect
        .poll(() => holder(page))
        .toEqual({ kind: "handoff", text: "Held by skill-agent (handoff)" });
      expect(await page.getByTestId("handoff-holder").textContent()).toBe("Held by skill-agent (handoff)");
      await send(page, "on deploy");
      const specialist = page.locator(".msg.assistant").last();
      await expect.poll(() => specialist.locator(".who").textContent()).toBe("skill-agent");
      await expect
        .poll(() => specialist.locator(".text").textContent())
        .toBe('Skill step: what should "on deploy" trigger?\n');

      // Cancel: the orchestrator holds the thread again and the thread notes it.
      await page.getByTestId("handoff-cancel").click();
      await expect
        .poll(() => holder(page))
        .toEqual({ kind: "orchestrator", text: "Held by the orchestrator" });
      await expect
        .poll(() => page.locator(".msg.system").allTextContents())
        .toContainEqual(expect.stringContaining("cancelled"));
      expect(await page.getByTestId("handoff-cancel").isDisabled()).toBe(true);
      await screenshot(page, "chat-handoff");
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});

async function holder(page: Page): Promise<{ kind: string | null; text: string | null }> {
  const badge = page.getByTestId("holder");
  return { kind: await badge.getAttribute("data-kind"), text: await badge.textContent() };
}
