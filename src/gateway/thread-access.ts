/** The thread-access rule every thread call of the gateway applies (see {@link ThreadAccess}). */
import type { Conversation } from "../conversation/models.js";
import { PermissionDeniedError, ThreadAccessError } from "../errors.js";
import type { ThreadManager } from "../orchestration/thread-manager.js";
import type { ApiKeyPrincipal } from "../security/api-keys.js";
import { readsEveryThread, type ThreadAccess } from "./route-policy.js";

/**
 * The thread, if the principal may reach it for `access`. A thread the principal may not see is
 * ThreadAccessError (404, like a missing one); one it sees but may not write to is
 * PermissionDeniedError (403).
 */
export async function requireThreadAccess(
  threads: ThreadManager,
  options: { principal: ApiKeyPrincipal; threadId: string },
  access: ThreadAccess,
): Promise<Conversation> {
  const { principal } = options;
  const thread = await threads.requireThread({
    threadId: options.threadId,
    tenantId: principal.tenantId,
  });
  const owned = thread.userId === principal.userId;
  if (owned || access === "supervise") return thread;
  if (!readsEveryThread(principal.role)) throw new ThreadAccessError(options.threadId);
  if (access === "read") return thread;
  throw new PermissionDeniedError("thread:owner", {
    context: { tenantId: principal.tenantId, userId: principal.userId, threadId: thread.id },
  });
}
