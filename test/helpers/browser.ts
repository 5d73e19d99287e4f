/**
 * Browser test kit for the web console: the system's Chromium (/usr/bin/chromium) driven by
 * playwright-core, one browser per test file and a fresh context (no cookies, no local storage)
 * per page; signing in; screenshots under test-output/console/; the page's script errors and CSP
 * violations collected; and a layout check that no control is clipped or covered.
 *
 * Under CI=true a missing Chromium fails the suite; elsewhere the suites are skipped with a notice.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { A2AClient } from "../../src/a2a/client/a2a-client.js";
import { startGateway } from "../../src/gateway/index.js";
import { ApiKeyService } from "../../src/security/api-keys.js";
import { Role } from "../../src/security/rbac.js";
import { Database } from "../../src/storage/database.js";
import type { RecordingAgent } from "./agents.js";
import { tempSqlitePath } from "./databases.js";
import { createRoleKeys, type RoleKeys } from "./gateway.js";
import { LOOPBACK } from "./network.js";

export const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const installed = existsSync(CHROMIUM);
const required = process.env.CI === "true";
if (!installed && !required) {
  process.stderr.write(
    `\n[omniforge tests] NOTICE: ${CHROMIUM} not found; the web console browser tests are SKIPPED ` +
      "(install it with: apt-get update && apt-get install -y chromium).\n\n",
  );
}
/** True when the browser suites must be skipped (no Chromium, and not in CI). */
export const skipBrowser = !installed && !required;

/** Starts the headless browser (fails clearly when CI requires it and it is missing). */
export async function launchBrowser(): Promise<Browser> {
  if (!installed) {
    throw new Error(
      `Chromium is required under CI=true but ${CHROMIUM} is missing (apt-get install -y chromium)`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** A page in a fresh context, with what went wrong on it collected. */
export interface ConsolePage {
  page: Page;
  /** Script errors, console errors (CSP violations among them) and dialogs, in order. */
  problems: string[];
  close(): Promise<void>;
}

/** Opens `url` in a fresh context of `browser` at the given size. */
export async function openConsole(
  browser: Browser,
  url: string,
  viewport: { width: number; height: number } = { width: 1280, height: 800 },
): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  // A step that cannot happen fails within the test's time, naming the element it waited for.
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    // A refused key is a 401 the page expects and reports in its own words.
    if (message.type() === "error" && !message.text().includes("401")) problems.push(message.text());
  });
  page.on("dialog", (dialog) => {
    problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(url);
  return { page, problems, close: () => context.close() };
}

/** Signs in with `key` and waits for the console and the header naming the user. */
export async function signIn(page: Page, key: string): Promise<void> {
  await page.getByTestId("key-input").fill(key);
  await page.getByTestId("connect").click();
  await page.locator("#app").waitFor();
  await page.getByTestId("who-user").filter({ hasText: /\S/ }).waitFor();
}

/** Saves a screenshot as test-output/console/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const directory = path.join("test-output", "console");
  mkdirSync(directory, { recursive: true });
  const file = path.join(directory, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** One control that cannot be fully seen or reached. */
export interface ClippedControl {
  control: string;
  problem: string;
}

/**
 * Every visible button, input, select and textarea of the page, each scrolled into view within its
 * own scroll container: its box must lie inside the viewport and inside every scrolling ancestor's
 * visible area, and the element at its centre must be itself (nothing overlaps it). Returns the
 * controls that fail, described; an empty list means the layout holds.
 */
export async function clippedControls(page: Page): Promise<ClippedControl[]> {
  return page.evaluate(() => {
    const problems: Array<{ control: string; problem: string }> = [];
    const describe = (node: Element) => {
      const id = node.getAttribute("data-testid") ?? node.id;
      const text = (node.textContent ?? "").trim().slice(0, 30);
      return `${node.tagName.toLowerCase()}${id ? `[${id}]` : ""}${text ? ` "${text}"` : ""}`;
    };
    const scrollers = (node: Element) => {
      const found: Element[] = [];
      for (let parent = node.parentElement; parent; parent = parent.parentElement) {
        const style = getComputedStyle(parent);
        if (/(auto|scroll|hidden)/.test(style.overflowY + style.overflowX)) found.push(parent);
      }
      return found;
    };
    const controls = [...document.querySelectorAll("button, input, select, textarea")].filter(
      (node) => node.getClientRects().length > 0 && getComputedStyle(node).visibility !== "hidden",
    );
    for (const control of controls) {
      control.scrollIntoView({ block: "nearest", inline: "nearest" });
      const box = control.getBoundingClientRect();
      const name = describe(control);
      if (box.width < 4 || box.height < 4) {
        problems.push({ control: name, problem: `too small: ${box.width}x${box.height}` });
        continue;
      }
      const inside = (outer: { left: number; top: number; right: number; bottom: number }) =>
        box.left >= outer.left - 0.5 &&
        box.top >= outer.top - 0.5 &&
        box.right <= outer.right + 0.5 &&
        box.bottom <= outer.bottom + 0.5;
      if (!inside({ left: 0, top: 0, right: innerWidth, bottom: innerHeight })) {
        problems.push({ control: name, problem: `outside the viewport: ${JSON.stringify(box)}` });
        continue;
      }
      const clipper = scrollers(control).find((scroller) => {
        const outer = scroller.getBoundingClientRect();
        // The scroller's visible area (its client box, without borders and scrollbars).
        const left = outer.left + scroller.clientLeft;
        const top = outer.top + scroller.clientTop;
        return !inside({
          left,
          top,
          right: left + scroller.clientWidth,
          bottom: top + scroller.clientHeight,
        });
      });
      if (clipper) {
        problems.push({ control: name, problem: `clipped by ${describe(clipper)}` });
        continue;
      }
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      // The control, something inside it, or the label that wraps it.
      const own =
        hit === control ||
        (hit && control.contains(hit)) ||
        (hit?.tagName === "LABEL" && hit.contains(control));
      if (!own) {
        problems.push({ control: name, problem: `covered by ${hit ? describe(hit) : "nothing"}` });
      }
    }
    return problems;
  });
}

/** A gateway on loopback with its database, agents and keys, for a browser suite. */
export interface ConsoleGateway {
  url: string;
  database: Database;
  /** One key per role for alice, and bob's end_user key, all in tenant acme. */
  alice: RoleKeys;
  bob: string;
  close(): Promise<void>;
}

/** A JSON call to the gateway's API as alice (admin), for a suite's setup; throws on a non-2xx answer. */
export async function adminApi<T>(
  gateway: Pick<ConsoleGateway, "url" | "alice">,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${gateway.alice.admin}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Starts a gateway (fresh SQLite file) that knows `agents` (their cards). */
export async function startConsoleGateway(options: {
  agents: ReadonlyArray<{ card: RecordingAgent["card"] }>;
  /** The agents that answer messages (default: every general agent). */
  defaultAgentIds?: string[];
}): Promise<ConsoleGateway> {
  const database = new Database(`sqlite:///${tempSqlitePath()}`);
  await database.initialize();
  const client = new A2AClient({ network: LOOPBACK });
  const gateway = await startGateway({
    database,
    a2aClient: client,
    agents: options.agents.map((agent) => agent.card),
    ...(options.defaultAgentIds ? { defaultAgentIds: options.defaultAgentIds } : {}),
    port: 0,
  });
  const alice = await createRoleKeys({ database, tenantId: "acme", userId: "alice" });
  const bob = await new ApiKeyService(database).create({
    tenantId: "acme",
    userId: "bob",
    role: Role.END_USER,
    name: "bob",
  });
  return {
    url: gateway.url,
    database,
    alice,
    bob: bob.key,
    close: async () => {
      await gateway.close();
      await client.close();
      await database.close();
    },
  };
}
