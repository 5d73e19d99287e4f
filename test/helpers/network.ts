/**
 * The outbound network policy test clients use: the agents under test run on loopback, which the
 * default policy refuses.
 */
import type { NetworkPolicyConfig } from "../../src/security/network-policy.js";

export const LOOPBACK: NetworkPolicyConfig = Object.freeze({ allow: Object.freeze(["loopback"]) });
