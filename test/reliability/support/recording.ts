/** Shared by the recording specialist (fixtures/recording-agent.ts) and the tests that check it. */

/** The reply the recording specialist streams for `text`, chunk by chunk. */
export function replyChunks(text: string): string[] {
  return [`got `, `"${text}"`, ` - done`];
}
