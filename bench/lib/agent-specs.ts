/** What the agent host can serve; shared by the host (child) and its parent. */

/** What an agent does with a message. */
type AgentBehaviour =
  /** Answers every message with one text chunk, `${id}: ${text}`. */
  | { kind: "reply"; id: string; count?: number }
  /** Accepts handoffs; answers with `chunks` text chunks (a streamed reply). */
  | { kind: "stream"; id: string; chunks: number; count?: number }
  /** Answers with one text chunk after `delayMs`. */
  | { kind: "delay"; id: string; delayMs: number; count?: number }
  /** Never answers; ends only when the caller gives up (disconnects). */
  | { kind: "hang"; id: string; count?: number };

export type AgentSpec = AgentBehaviour & {
  /** Also serve v1.0 gRPC (serveAgent's `grpc: true`): the card then offers a GRPC interface too. */
  grpc?: boolean;
};

/** The ids a spec expands to: `id` alone, or `id-0 ... id-(count-1)`. */
export function specIds(spec: AgentSpec): string[] {
  return spec.count === undefined
    ? [spec.id]
    : Array.from({ length: spec.count }, (_, index) => `${spec.id}-${index}`);
}
