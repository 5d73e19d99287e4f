/** The OpenTelemetry side of an `A2AClient` call: its client span, and the trace context it hands on. */
import {
  SpanKind,
  context,
  isSpanContextValid,
  propagation,
  trace,
  type Span,
  type Tracer,
} from "@opentelemetry/api";
import type { ResolvedAgent } from "./card-resolver.js";

function traceFlagsHex(flags: number): string {
  return (flags & 0xff).toString(16).padStart(2, "0");
}

/** The client span of one call. */
export function startCallSpan(tracer: Tracer, method: string, agentId: string): Span {
  return tracer.startSpan(`a2a.${method}`, {
    kind: SpanKind.CLIENT,
    attributes: { "rpc.method": method, "omniforge.agent.id": agentId },
  });
}

/** Names the binding and protocol version the call went through. */
export function describeCallSpan(span: Span, agent: ResolvedAgent): void {
  span.setAttributes({
    "rpc.system":
      agent.chosen.binding === "GRPC" ? "grpc" : agent.chosen.binding === "JSONRPC" ? "jsonrpc" : "http",
    "a2a.binding": agent.chosen.binding,
    "a2a.protocol_version": agent.chosen.version,
  });
}

/** Puts the span's trace context in `headers` (the registered propagator's, else W3C `traceparent`). */
export function injectTrace(span: Span, headers: Record<string, string>): void {
  propagation.inject(trace.setSpan(context.active(), span), headers);
  if (headers.traceparent !== undefined) return;
  // No propagator registered: still hand the W3C trace context on when there is a real span.
  const spanContext = span.spanContext();
  if (isSpanContextValid(spanContext)) {
    headers.traceparent = `00-${spanContext.traceId}-${spanContext.spanId}-${traceFlagsHex(spanContext.traceFlags)}`;
  }
}
