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
export { parseAgentCard, type AgentCard, type AgentAuth, type AgentSkill } from "./agents/agent-card.js";
