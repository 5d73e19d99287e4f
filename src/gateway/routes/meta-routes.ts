/** The web console, the OpenAPI document, and who the caller's key speaks for. */
import { CONSOLE_CONTENT_SECURITY_POLICY, CONSOLE_HTML } from "../console-page.js";
import type { GatewayService } from "../gateway-service.js";
import { defineRoute } from "../route.js";
import { meSchema } from "../schemas.js";

export function metaRoutes(service: GatewayService, openApiDocument: () => unknown) {
  return {
    console: defineRoute({
      method: "GET",
      url: "/",
      operation: "console",
      tag: "console",
      summary: "The web console (one self-contained HTML page)",
      response: { status: 200, description: "The console", mediaType: "text/html" },
      handle: async ({ reply }) => {
        reply
          .type("text/html; charset=utf-8")
          .header("content-security-policy", CONSOLE_CONTENT_SECURITY_POLICY)
          .header("cache-control", "no-cache");
        return CONSOLE_HTML;
      },
    }),
    openapi: defineRoute({
      method: "GET",
      url: "/openapi.json",
      operation: "openapi",
      tag: "meta",
      summary: "This API's OpenAPI 3.1 document",
      response: { status: 200, description: "The OpenAPI document" },
      handle: async () => openApiDocument(),
    }),
    me: defineRoute({
      method: "GET",
      url: "/v1/me",
      operation: "me",
      tag: "meta",
      summary: "Who the API key speaks for: tenant, user, role, and the operations it may call",
      response: { status: 200, description: "The key's principal", schema: meSchema },
      handle: async ({ principal }) => service.me({ principal }),
    }),
  };
}
