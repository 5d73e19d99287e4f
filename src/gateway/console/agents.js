// @ts-check
/**
 * The tenant's agents: each one's A2A card (name, description, URL, skills with their tags and
 * examples) and its health (GET /v1/agents/:id/health: reachable or not, latency, and the protocol
 * version and binding its card offers).
 */
import { byId, el, formatMs, showError } from "./dom.js";
import { isAbort, isCurrent, session } from "./session.js";

/** @typedef {import("./types.js").Agent} Agent */
/** @typedef {import("./types.js").AgentHealth} AgentHealth */

/** Shows every agent's card, then checks each one's health. */
export function showAgents() {
  const s = session();
  const box = byId("agents");
  box.replaceChildren();
  showError("agents-error", null);
  if (!s) return;
  if (s.agents.length === 0) box.append(el("p", "hint", "This tenant has no agents."));
  for (const agent of s.agents) box.append(agentNode(agent));
  for (const agent of s.agents) void checkHealth(agent.card.identity.id);
}

/** @param {Agent} agent */
function agentNode({ card, source, isDefault, handoff }) {
  const node = el("article", "agent-card");
  node.dataset.agentId = card.identity.id;
  const head = el("header", "agent-head");
  head.append(el("h3", null, card.identity.name));
  head.append(el("code", "agent-id", card.identity.id));
  node.append(head);
  const flags = el("div", "flags");
  flags.append(el("span", "flag", source === "static" ? "configured" : "registered"));
  if (isDefault) flags.append(el("span", "flag", "default"));
  if (handoff) flags.append(el("span", "flag", "handoff"));
  if (card.identity.version) flags.append(el("span", "flag", `v${card.identity.version}`));
  const health = el("span", "health", "checking...");
  health.dataset.testid = "agent-health";
  health.dataset.status = "checking";
  flags.append(health);
  node.append(flags);
  if (card.identity.description) node.append(el("p", "description", card.identity.description));
  const facts = el("dl", "facts");
  const fact = (/** @type {string} */ term, /** @type {string} */ value, /** @type {string} */ className) => {
    const row = el("div", className);
    row.append(el("dt", null, term), el("dd", null, value));
    facts.append(row);
  };
  fact("URL", card.service?.endpoint ?? "–", "url");
  fact("Protocol", card.service?.interfacePreference?.join(", ") ?? "checking...", "protocol");
  node.append(facts);
  const skills = card.skills ?? [];
  const list = el("ul", "skills");
  if (skills.length === 0) list.append(el("li", "hint", "No skills declared."));
  for (const skill of skills) {
    const item = el("li", "skill");
    item.append(el("strong", null, skill.name));
    if (skill.description) item.append(el("p", null, skill.description));
    if (skill.tags?.length) {
      const tags = el("div", "tags");
      for (const tag of skill.tags) tags.append(el("span", "tag", tag));
      item.append(tags);
    }
    if (skill.examples?.length) {
      const examples = el("ul", "examples");
      for (const example of skill.examples) examples.append(el("li", null, example));
      item.append(examples);
    }
    list.append(item);
  }
  node.append(el("h4", null, "Skills"), list);
  return node;
}

/** @param {string} agentId */
async function checkHealth(agentId) {
  const s = session();
  if (!s) return;
  const card = () =>
    [...byId("agents").querySelectorAll(".agent-card")].find(
      (node) => node instanceof HTMLElement && node.dataset.agentId === agentId,
    );
  /** @type {AgentHealth | null} */
  let health = null;
  /** @type {string} */
  let failure = "";
  try {
    health = await s.api.get(`/v1/agents/${encodeURIComponent(agentId)}/health`);
  } catch (error) {
    if (isAbort(error)) return;
    failure = error instanceof Error ? error.message : String(error);
  }
  const node = card();
  if (!isCurrent(s) || !node) return;
  const badge = /** @type {HTMLElement} */ (node.querySelector(".health"));
  const protocol = /** @type {HTMLElement} */ (node.querySelector(".protocol dd"));
  if (!health) {
    badge.dataset.status = "unknown";
    badge.textContent = "health unknown";
    badge.title = failure;
    if (protocol.textContent === "checking...") protocol.textContent = "–";
    return;
  }
  badge.dataset.status = health.status;
  badge.className = `health ${health.status === "ok" ? "ok" : "down"}`;
  badge.textContent =
    health.status === "ok"
      ? `healthy · ${formatMs(health.latencyMs)}`
      : `${health.status}${health.errorCode ? `: ${health.errorCode}` : ""}`;
  const offered = health.interfaces?.length ? health.interfaces : health.protocol ? [health.protocol] : [];
  if (offered.length > 0)
    protocol.textContent = offered.map((i) => `A2A ${i.version} · ${i.binding}`).join(", ");
  else if (protocol.textContent === "checking...") protocol.textContent = "–";
}

/** Back to the signed-out state. */
export function resetAgents() {
  byId("agents").replaceChildren();
  showError("agents-error", null);
}
