/**
 * How the console's files are served (in-process, no browser): the page with its strict CSP, the
 * stylesheet and ES modules (its own and the two from node_modules) with their media types, 404 for
 * a file the console does not have, 400 for a name that is not a file name, and a clear startup
 * error when the folder is missing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A2AClient } from "../../../src/a2a/client/a2a-client.js";
import { ConfigurationError } from "../../../src/errors.js";
import { CONSOLE_CONTENT_SECURITY_POLICY, consoleAssets } from "../../../src/gateway/console-assets.js";
import { createGateway } from "../../../src/gateway/index.js";
import { Database } from "../../../src/storage/database.js";
import { call } from "../../helpers/gateway.js";
import { LOOPBACK } from "../../helpers/network.js";

describe("console files", () => {
  let database: Database;
  let client: A2AClient;
  let app: FastifyInstance;

  beforeAll(async () => {
    database = new Database("sqlite::memory:");
    await database.initialize();
    client = new A2AClient({ network: LOOPBACK });
    app = createGateway({ database, a2aClient: client });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await client?.close();
    await database?.close();
  });

  it("serves the page with a CSP that allows no inline code and no other origin", async () => {
    const res = await call(app, { method: "GET", url: "/" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.headers["content-security-policy"]).toBe(CONSOLE_CONTENT_SECURITY_POLICY);
    expect(CONSOLE_CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    // No inline script or style: only references to this origin's files.
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.body).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(res.body).toContain('<script type="module" src="/console/app.js"></script>');
  });

  it("serves the stylesheet and the ES modules, marked and DOMPurify among them", async () => {
    const expected = {
      "style.css": "text/css; charset=utf-8",
      "app.js": "text/javascript; charset=utf-8",
      "markdown.js": "text/javascript; charset=utf-8",
      "marked.js": "text/javascript; charset=utf-8",
      "purify.js": "text/javascript; charset=utf-8",
    };
    for (const [name, type] of Object.entries(expected)) {
      const res = await call(app, { method: "GET", url: `/console/${name}` });
      expect(res.statusCode, name).toBe(200);
      expect(res.headers["content-type"], name).toBe(type);
      expect(res.headers["x-content-type-options"], name).toBe("nosniff");
      expect(res.body, name).not.toContain("sourceMappingURL");
    }
    expect((await call(app, { method: "GET", url: "/console/marked.js" })).body).toMatch(/export\s*\{/);
    expect((await call(app, { method: "GET", url: "/console/purify.js" })).body).toContain("export {");
  });

  it("answers 404 for a file it does not have and 400 for a name that is not a file name", async () => {
    const missing = await call(app, { method: "GET", url: "/console/nope.js" });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      error: { code: "ROUTE_NOT_FOUND", message: 'The console has no file "nope.js"' },
    });
    // Type declarations are for the checker, not served.
    expect((await call(app, { method: "GET", url: "/console/types.d.ts" })).statusCode).toBe(400);
    for (const url of [
      "/console/..%2Fconsole-assets.js",
      "/console/index.html",
      "/console/%2Fetc%2Fpasswd",
    ]) {
      const res = await call(app, { method: "GET", url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.field, url).toBe("asset");
    }
  });

  it("fails at startup, naming the folder, when the console's files are missing", () => {
    const empty = mkdtempSync(path.join(tmpdir(), "omniforge-console-"));
    try {
      expect(() => consoleAssets(empty)).toThrow(ConfigurationError);
      expect(() => consoleAssets(empty)).toThrow(`${path.join(empty, "index.html")} does not exist`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
