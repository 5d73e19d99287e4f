/** Every benchmark, in the order `npm run bench` runs them. */
import type { Benchmark } from "../lib/types.js";
import { delegationOverhead } from "./01-delegation-overhead.js";
import { transportFloor } from "./02-transport-floor.js";
import { routingThroughput } from "./03-routing-throughput.js";
import { firstChunk } from "./04-first-chunk.js";
import { fanOut } from "./05-fan-out.js";
import { timeoutPrecision } from "./06-timeout-precision.js";
import { handoffState } from "./07-handoff-state.js";
import { bindings } from "./08-bindings.js";
import { skillRouting } from "./09-skill-routing.js";

export const BENCHMARKS: readonly Benchmark[] = [
  delegationOverhead,
  transportFloor,
  routingThroughput,
  firstChunk,
  fanOut,
  timeoutPrecision,
  handoffState,
  bindings,
  skillRouting,
];
