/**
 * `omniforge`: the library — managers, the router, storage, the A2A client and `serveAgent`,
 * security, errors and types. Named re-exports only; `test/index.test.ts` holds the list. The HTTP
 * gateway is `omniforge/gateway`; the example agents and the demo are `omniforge/examples`.
 */
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
  CreateConversationOptions,
  ListConversationsOptions,
  UpdateConversationOptions,
  UpdateStateOptions,
  AddMessageOptions,
  GetMessagesOptions,
  GetRecentMessagesOptions,
} from "./conversation/conversation-repository.js";
export {
  SqlConversationRepository,
  SqliteConversationRepository,
} from "./storage/sql/sql-conversation-repository.js";
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
export {
  A2AClient,
  A2ABinding,
  A2AProtocolVersion,
  DEFAULT_INTERFACE_PREFERENCE,
  parseInterfacePreference,
  HANDOFF_EXTENSION_URI,
  OMNIFORGE_METADATA_KEY,
  OmniforgeDataKey,
  handoffRequestSchema,
  handoffAcceptSchema,
  handoffReturnSchema,
  handoffCancelSchema,
  handoffCompletionStatusSchema,
  previousResultSchema,
  previousResultsSchema,
  omniforgeMetadataSchema,
  handoffData,
  findHandoffRequest,
  findHandoffAccept,
  findHandoffReturn,
  findHandoffCancel,
  findHandoffSuggest,
  handoffSuggestSchema,
  type HandoffSuggestPayload,
  findPreviousResults,
  readOmniforgeMetadata,
  withOmniforgeMetadata,
  A2ATaskState,
  isTerminalTaskState,
  isFailedTaskState,
  DEFAULT_CARD_TTL_MS,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_CONNECTIONS_PER_ORIGIN,
  A2A_PROTOCOL_VERSION,
  AGENT_CARD_PATH,
  type A2AClientConfig,
  type A2ACallOptions,
  type OutgoingMessage,
  type SendResult,
  type CancelTaskResult,
  type TaskSnapshot,
  type ResolvedInterface,
  type RemoteAgentCard,
  type A2AStreamEvent,
  type A2ATaskEvent,
  type A2AStatusEvent,
  type A2AMessageEvent,
  type A2AArtifactEvent,
  type AgentInterface,
  type InterfacePreference,
  type HandoffRequestPayload,
  type HandoffAcceptPayload,
  type HandoffReturnPayload,
  type HandoffCancelPayload,
  type PreviousResult,
  type OmniforgeMetadata,
  type DataObject,
  type WirePart,
  type WireMessage,
  type WireTask,
  type WireTaskStatus,
  type WireArtifact,
} from "./a2a/index.js";
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
export { SqlOpenTaskStore } from "./storage/sql/sql-open-task-store.js";
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
export { HANDOFF_TRANSITIONS, LIVE_STATES, type HandoffStore } from "./orchestration/handoff-store.js";
export type { OrchestrationStores } from "./orchestration/stores.js";
export { SqlHandoffStore } from "./storage/sql/sql-handoff-store.js";
export {
  StreamRouter,
  ORCHESTRATOR_AGENT_ID,
  type DefaultAgentsResolver,
  type StreamRouterConfig,
  type RouteMessageOptions,
  type RouterEvent,
} from "./orchestration/stream-router.js";
export type {
  ExplainRouteOptions,
  RouteCandidate,
  RouteExplanation,
  RoutingFallback,
  RoutingOptions,
  RoutingResolver,
} from "./orchestration/router-routing.js";
export type {
  TurnEvent,
  TurnEventKind,
  TurnRecord,
  TurnTimelineStore,
  TurnTrigger,
} from "./orchestration/turn-timeline.js";
export {
  SkillRouter,
  type SkillRouterConfig,
  type SkillRouterCalibration,
} from "./orchestration/skill-router/skill-router.js";
export type { LlmSelectorConfig } from "./orchestration/skill-router/llm-selector.js";
export type { FieldWeights as SkillFieldWeights } from "./orchestration/skill-router/skill-index.js";
export {
  AgentCallKind,
  AgentCallOutcome,
  type AgentCallAudit,
  type AgentCallRecord,
  type AgentCallQuery,
  type NewAgentCallRecord,
} from "./orchestration/agent-call-audit.js";
export type { AgentDirectory } from "./orchestration/agent-directory.js";
export { SqlAgentCallAudit } from "./storage/sql/sql-agent-call-audit.js";
export {
  SqlAgentDirectory,
  type SqlAgentDirectoryConfig,
  type AgentDirectoryEntry,
  type AgentSource,
} from "./storage/sql/sql-agent-directory.js";
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
} from "./security/sanitizer/index.js";
export * as defaults from "./defaults.js";
