/** Conversation (thread) and message models. */

export const ConversationType = {
  CHAT: "chat",
  SKILL_CREATION: "skill_creation",
  AGENT_BUILDING: "agent_building",
  DEBUGGING_SESSION: "debugging_session",
} as const;
export type ConversationType = (typeof ConversationType)[keyof typeof ConversationType];

export const MessageRole = {
  USER: "user",
  ASSISTANT: "assistant",
  SYSTEM: "system",
} as const;
export type MessageRole = (typeof MessageRole)[keyof typeof MessageRole];
