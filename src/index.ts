/** OmniForge: the public API. Named re-exports only. */
export {
  ErrorCode,
  OrchestrationError,
  ValidationError,
  ConfigurationError,
  ThreadAccessError,
  PermissionDeniedError,
  StorageError,
  DelegationError,
  HandoffError,
  AgentError,
  AbortedError,
  isOrchestrationError,
  type ErrorContext,
  type OrchestrationErrorOptions,
} from "./errors.js";
export { Database, DEFAULT_DATABASE_CONFIG, type DatabaseConfig } from "./storage/database.js";
export { parseDatabaseUrl, type DatabaseLocation } from "./storage/database-url.js";
export { ConversationType, MessageRole, type Conversation, type Message } from "./conversation/models.js";
export type {
  ConversationRepository,
  ConversationRef,
  CreateConversationInput,
  ListConversationsInput,
  UpdateConversationInput,
  UpdateStateInput,
  AddMessageInput,
  GetMessagesInput,
  GetRecentMessagesInput,
} from "./conversation/conversation-repository.js";
export {
  SqlConversationRepository,
  SqliteConversationRepository,
} from "./conversation/sql-conversation-repository.js";
export {
  ThreadManager,
  type ThreadManagerConfig,
  type ThreadRef,
  type ThreadContext,
  type HandoffStateReader,
} from "./orchestration/thread-manager.js";
export { DelegationStrategy, HandoffState, CompletionStatus } from "./orchestration/types.js";
export {
  RbacService,
  Role,
  Permission,
  ROLE_PERMISSIONS,
  checkPermission,
  type PermissionChecker,
} from "./security/rbac.js";
export { parseAgentCard, type AgentCard, type AgentAuth, type AgentSkill } from "./a2a/agent-card.js";
export * from "./a2a/index.js";
export {
  serveAgent,
  type ServeAgentConfig,
  type ServedAgent,
  type AgentHandlers,
  type AgentHandoffContext,
  type AgentMessageContext,
  type AgentOutput,
  type GrpcBindingConfig,
  type AgentTaskStoreConfig,
  type TaskDatabase,
} from "./a2a/server/serve-agent.js";
export { BoundedTaskStore } from "./a2a/server/task-stores.js";
export {
  OrchestrationManager,
  synthesizeResponses,
  type OrchestrationManagerConfig,
  type DelegateOptions,
  type DelegationResult,
  type StreamAgentOptions,
  type AgentStreamItem,
  type InputRequiredState,
} from "./orchestration/orchestration-manager.js";
export type { OpenTask, OpenTaskStore } from "./orchestration/open-tasks.js";
export { SqlOpenTaskStore } from "./storage/sql-open-task-store.js";
export {
  HandoffManager,
  type HandoffManagerConfig,
  type HandoffReturn,
  type HandoffAcceptance,
  type InitiateHandoffOptions,
  type ThreadHandoffRef,
  type HandoffSession,
  type HandoffTransition,
} from "./orchestration/handoff-manager.js";
export { SqlHandoffStore, HANDOFF_TRANSITIONS, LIVE_STATES } from "./orchestration/handoff-store.js";
export {
  StreamRouter,
  ORCHESTRATOR_AGENT_ID,
  type DefaultAgentsResolver,
  type StreamRouterConfig,
  type RouteMessageOptions,
  type RouterEvent,
} from "./orchestration/stream-router.js";
export {
  AgentCallKind,
  AgentCallOutcome,
  type AgentCallAudit,
  type AgentCallRecord,
  type AgentCallQuery,
  type NewAgentCallRecord,
} from "./orchestration/agent-call-audit.js";
export type { AgentDirectory } from "./orchestration/agent-directory.js";
export { SqlAgentCallAudit } from "./storage/sql-agent-call-audit.js";
export {
  SqlAgentDirectory,
  type SqlAgentDirectoryConfig,
  type AgentDirectoryEntry,
  type AgentSource,
} from "./storage/sql-agent-directory.js";
export { SqlRateLimiter, type RateLimitHit } from "./storage/sql-rate-limiter.js";
export {
  NetworkPolicy,
  NetworkPolicyError,
  type NetworkPolicyConfig,
  type HostResolver,
  type ResolvedAddress,
} from "./security/network-policy.js";
export {
  SecretKeyring,
  SECRET_KEY_ENV,
  SECRET_KEY_FILE_ENV,
  type SealedSecret,
} from "./security/secret-keyring.js";
export {
  ContextSanitizer,
  SanitizerCategory,
  SANITIZER_TOKENS,
  type ContextSanitizerConfig,
  type SanitizerPattern,
  type SanitizerFinding,
} from "./orchestration/context-sanitizer.js";
export * as defaults from "./defaults.js";
export * from "./gateway/index.js";
export {
  ApiKeyService,
  API_KEY_PREFIX,
  type ApiKeyPrincipal,
  type ApiKeyInfo,
  type CreatedApiKey,
  type CreateApiKeyInput,
} from "./security/api-keys.js";
export {
  startKnowledgeAgent,
  startResearchAgent,
  startSkillCreationAgent,
  EXAMPLE_AGENTS,
  type ExampleAgentName,
} from "./agents/examples/index.js";
export { runDemo, type DemoConfig, type DemoResult, type DemoStep } from "./demo/run-demo.js";
