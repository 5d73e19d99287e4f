/** The web console, the OpenAPI document, and who the caller's key speaks for. */
import { z } from "zod";
import { CONSOLE_CONTENT_SECURITY_POLICY, consoleAssets } from "../console-assets.js";
import type { GatewayService } from "../gateway-service.js";
import { GatewayErrorCode, GatewayHttpError } from "../http-errors.js";
import { defineRoute } from "../route.js";
import { meSchema } from "../schemas.js";

/** `:asset` of `/console/:asset`: a file name such as `app.js` or `style.css`. */
const consoleAssetParamsSchema = z.object({
  asset: z
    .string({ error: "must be a string" })
    .regex(/^[a-z0-9][a-z0-9.-]{0,63}\.(?:js|css)$/, "must be a console file name such as app.js"),
});

export function metaRoutes(service: GatewayService, openApiDocument: () => unknown) {
  // Read at startup: a build without the console's files fails here, naming the folder.
  const assets = consoleAssets();
  return {
    console: defineRoute({
      method: "GET",
      url: "/",
      operation: "console",
      tag: "console",
      summary: "The web console's page (its scripts and stylesheet are under /console/)",
      response: { status: 200, description: "The console", mediaType: "text/html" },
      handle: async ({ reply }) => {
        reply
          .type("text/html; charset=utf-8")
          .header("content-security-policy", CONSOLE_CONTENT_SECURITY_POLICY)
          .header("cache-control", "no-cache");
        return assets.page;
      },
    }),
    consoleAsset: defineRoute({
      method: "GET",
      url: "/console/:asset",
      operation: "consoleAsset",
      tag: "console",
      summary: "One of the web console's ES modules or its stylesheet",
      params: consoleAssetParamsSchema,
      response: { status: 200, description: "The file", mediaType: "text/javascript" },
      errors: [400, 404],
      handle: async ({ params, reply }) => {
        const asset = assets.asset(params.asset);
        if (!asset) {
          throw new GatewayHttpError({
            statusCode: 404,
            code: GatewayErrorCode.ROUTE_NOT_FOUND,
            message: `The console has no file "${params.asset}"`,
          });
        }
        reply
          .type(asset.contentType)
          .header("x-content-type-options", "nosniff")
          .header("cache-control", "no-cache");
        return asset.body;
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
