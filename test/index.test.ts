/**
 * The package's entry points: `omniforge` (the library), `omniforge/gateway` and
 * `omniforge/examples`. Every name the usage guide imports comes from the root, and each entry
 * exports exactly the names listed here — a name added or dropped by accident fails this test.
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
// The usage guide's types, imported from the root: a missing one fails the type check.
import type { AgentCard, DelegationResult, HandoffReturn, HandoffSession } from "../src/index.js";
import * as root from "../src/index.js";
import * as gateway from "../src/gateway/index.js";
import * as examples from "../src/examples.js";

/** Every value the usage guide imports from `omniforge`. */
const GUIDE = [
  "Database",
  "SqliteConversationRepository",
  "ConversationType",
  "MessageRole",
  "A2AClient",
  "OrchestrationManager",
  "DelegationStrategy",
  "HandoffManager",
  "HandoffState",
  "CompletionStatus",
  "StreamRouter",
  "ThreadManager",
  "ContextSanitizer",
  "RbacService",
  "Permission",
  "Role",
  "checkPermission",
  "OrchestrationError",
  "DelegationError",
  "HandoffError",
  "PermissionDeniedError",
  "ThreadAccessError",
  "serveAgent",
];

const ROOT = [
  "A2ABinding",
  "A2AClient",
  "A2AProtocolVersion",
  "A2ATaskState",
  "A2A_PROTOCOL_VERSION",
  "AGENT_CARD_PATH",
  "AbortedError",
  "AgentCallKind",
  "AgentCallOutcome",
  "AgentError",
  "BoundedTaskStore",
  "CompletionStatus",
  "ConfigurationError",
  "ContextSanitizer",
  "ConversationType",
  "DEFAULT_CARD_TTL_MS",
  "DEFAULT_CONNECTIONS_PER_ORIGIN",
  "DEFAULT_DATABASE_CONFIG",
  "DEFAULT_INTERFACE_PREFERENCE",
  "DEFAULT_MAX_RESPONSE_BYTES",
  "DEFAULT_TIMEOUT_MS",
  "Database",
  "DelegationError",
  "DelegationStrategy",
  "ErrorCode",
  "HANDOFF_EXTENSION_URI",
  "HANDOFF_TRANSITIONS",
  "HandoffError",
  "HandoffManager",
  "HandoffState",
  "LIVE_STATES",
  "MessageRole",
  "NetworkPolicy",
  "NetworkPolicyError",
  "OMNIFORGE_METADATA_KEY",
  "ORCHESTRATOR_AGENT_ID",
  "OmniforgeDataKey",
  "OrchestrationError",
  "OrchestrationManager",
  "Permission",
  "PermissionDeniedError",
  "ROLE_PERMISSIONS",
  "RbacService",
  "Role",
  "SANITIZER_TOKENS",
  "SECRET_KEY_ENV",
  "SECRET_KEY_FILE_ENV",
  "SanitizerCategory",
  "SecretKeyring",
  "SkillRouter",
  "SqlAgentCallAudit",
  "SqlAgentDirectory",
  "SqlConversationRepository",
  "SqlHandoffStore",
  "SqlOpenTaskStore",
  "SqliteConversationRepository",
  "StorageError",
  "StreamRouter",
  "ThreadAccessError",
  "ThreadManager",
  "ValidationError",
  "checkPermission",
  "defaults",
  "findHandoffAccept",
  "findHandoffCancel",
  "findHandoffRequest",
  "findHandoffReturn",
  "findHandoffSuggest",
  "findPreviousResults",
  "handoffAcceptSchema",
  "handoffCancelSchema",
  "handoffCompletionStatusSchema",
  "handoffData",
  "handoffRequestSchema",
  "handoffReturnSchema",
  "handoffSuggestSchema",
  "isFailedTaskState",
  "isOrchestrationError",
  "isTerminalTaskState",
  "omniforgeMetadataSchema",
  "parseAgentCard",
  "parseDatabaseUrl",
  "parseInterfacePreference",
  "previousResultSchema",
  "previousResultsSchema",
  "readOmniforgeMetadata",
  "serveAgent",
  "synthesizeResponses",
  "withOmniforgeMetadata",
];

const GATEWAY = [
  "API_KEY_PREFIX",
  "AccessPolicies",
  "ApiKeyService",
  "DEFAULT_BODY_LIMIT_BYTES",
  "DEFAULT_PAGE_LIMIT",
  "DEFAULT_RATE_LIMIT",
  "GatewayErrorCode",
  "GatewayHttpError",
  "GatewayService",
  "MAX_PAGE_LIMIT",
  "OPERATION_POLICIES",
  "SSE_HEARTBEAT_MS",
  "SqlRateLimiter",
  "authorize",
  "buildOpenApiDocument",
  "checkAgentUrl",
  "createGateway",
  "discoverAgent",
  "gatewayRoutes",
  "isAllowed",
  "slugify",
  "startGateway",
  "toHttpFailure",
];

const EXAMPLES = [
  "EXAMPLE_AGENTS",
  "KNOWLEDGE_DOCS_DIR",
  "LLM_AGENT_ID",
  "RESEARCH_DOCS_DIR",
  "SKILL_CREATION_AGENT_ID",
  "SkillPhase",
  "SkillQuestion",
  "runDemo",
  "startKnowledgeAgent",
  "startLlmAgent",
  "startResearchAgent",
  "startSkillCreationAgent",
];

describe("entry points", () => {
  it("the root exports every name of the usage guide, all defined", () => {
    for (const name of GUIDE) expect((root as Record<string, unknown>)[name], name).toBeDefined();
    // The guide's types compile from the root (checked by tsc); a value of each keeps them used.
    const typed: Array<AgentCard | HandoffReturn | DelegationResult | HandoffSession> = [];
    expect(typed).toEqual([]);
  });

  it.each([
    ["omniforge", root, ROOT],
    ["omniforge/gateway", gateway, GATEWAY],
    ["omniforge/examples", examples, EXAMPLES],
  ])("%s exports exactly its list", (_name, module, expected) => {
    expect(Object.keys(module).sort()).toEqual([...expected].sort());
    for (const name of expected) expect((module as Record<string, unknown>)[name], name).toBeDefined();
  });

  it("the root's `defaults` namespace holds exactly the library's defaults", () => {
    expect(Object.keys(root.defaults).sort()).toEqual([
      "DEFAULT_DELEGATION_REPLY_BYTES",
      "DEFAULT_DELEGATION_TIMEOUT_MS",
      "DEFAULT_EXIT_COMMANDS",
      "DEFAULT_HANDOFF_IDLE_TIMEOUT_SECONDS",
      "DEFAULT_HANDOFF_NOTIFY_TIMEOUT_MS",
      "DEFAULT_HANDOFF_RECENT_MESSAGES",
      "DEFAULT_HANDOFF_REQUEST_TIMEOUT_MS",
      "DEFAULT_ROUTE_TIMEOUT_MS",
      "MAX_DELEGATION_AGENTS",
      "MAX_DELEGATION_TIMEOUT_MS",
    ]);
  });

  it("the library does not carry the gateway or the examples", () => {
    for (const name of [...GATEWAY, ...EXAMPLES]) expect(ROOT, name).not.toContain(name);
  });

  it("package.json maps each entry to its built file and types", async () => {
    const manifest = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as {
      exports: Record<string, { types: string; import: string }>;
    };
    expect(manifest.exports).toEqual({
      ".": { types: "./dist/index.d.ts", import: "./dist/index.js" },
      "./gateway": { types: "./dist/gateway/index.d.ts", import: "./dist/gateway/index.js" },
      "./examples": { types: "./dist/examples.d.ts", import: "./dist/examples.js" },
    });
    // Each built file comes from a source entry of the same path.
    for (const entry of Object.values(manifest.exports)) {
      const source = entry.import.replace("./dist/", "../src/").replace(/\.js$/, ".ts");
      await expect(readFile(new URL(source, import.meta.url), "utf8")).resolves.toContain("export");
    }
  });
});
