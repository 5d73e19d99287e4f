/** The plain @a2a-js/sdk client side of the baselines: clients made once, requests made per call. */
import { randomUUID } from "node:crypto";
import { SendMessageRequest } from "@a2a-js/sdk";
import { ClientFactory, type Client } from "@a2a-js/sdk/client";
import type { AgentCard } from "../../src/index.js";

export async function sdkClients(cards: readonly AgentCard[]): Promise<Client[]> {
  const factory = new ClientFactory();
  return Promise.all(cards.map((card) => factory.createFromUrl(card.service!.endpoint)));
}

/** A SendMessage request as a hand-written SDK caller would build it. */
export function sdkRequest(text: string, contextId?: string): SendMessageRequest {
  return SendMessageRequest.fromJSON({
    message: {
      messageId: randomUUID(),
      role: "ROLE_USER",
      ...(contextId ? { contextId } : {}),
      parts: [{ text, mediaType: "text/plain" }],
    },
  });
}

/** Drains an SDK stream; returns the milliseconds to its first artifact chunk and the event count. */
export async function drainSdkStream(
  client: Client,
  request: SendMessageRequest,
): Promise<{ firstChunkMs: number; events: number }> {
  const started = performance.now();
  let firstChunkMs = Number.NaN;
  let events = 0;
  for await (const event of client.sendMessageStream(request)) {
    events += 1;
    if (Number.isNaN(firstChunkMs) && event.payload?.$case === "artifactUpdate") {
      firstChunkMs = performance.now() - started;
    }
  }
  return { firstChunkMs, events };
}
