// Counters of one mesh node, kept as plain numbers on the data path and exposed to the platform's
// metrics registry as collectors read at scrape time (so a simulation of many nodes costs nothing).
import type { MetricsRegistry } from "../util/index.ts";

export type MsgKind = "ack" | "msa" | "message" | "other" | "handshake";
const KINDS: readonly MsgKind[] = ["ack", "msa", "message", "other", "handshake"];

export class MeshStats {
  readonly sent: Record<MsgKind, number> = { ack: 0, msa: 0, message: 0, other: 0, handshake: 0 };
  readonly received: Record<MsgKind, number> = { ack: 0, msa: 0, message: 0, other: 0, handshake: 0 };
  /** MESSAGEs relayed towards other recipients. */
  forwarded = 0;
  /** MSAs relayed (flood copies sent for other nodes' MSAs). */
  flooded = 0;
  /** MSAs this node originated. */
  msasOriginated = 0;
  /** MSA originations deferred (trailing) or dropped by the period/2 rate limit. */
  msasRateLimited = 0;
  /** Received MSAs dropped as already seen (sequence check). */
  msasDuplicate = 0;
  /** Received MSAs accepted but identical to what the node already knew. */
  msasUnchanged = 0;
  delivered = 0;
  snooped = 0;
  ackTimeouts = 0;
  sendFailures = 0;
  decodeErrors = 0;
  linksOpened = 0;
  linksClosed = 0;
  routeRecomputations = 0;
  /** Total milliseconds spent recomputing routes. */
  routeRecomputeMs = 0;
  solicitationsSent = 0;
  solicitationsAnswered = 0;
}

export interface MeshGauges {
  peers(): number;
  nodes(): number;
  routes(): number;
}

/** Registers the node's metrics (names prefixed gossamer_mesh_). */
export function registerMeshMetrics(reg: MetricsRegistry, s: MeshStats, g: MeshGauges): void {
  const byKind = (r: Record<MsgKind, number>) => () => KINDS.map((k) => ({ labels: { command: k }, value: r[k] }));
  reg.collect("gossamer_mesh_messages_sent_total", "Gob units written, by command (handshake values, ACK, MSA, MESSAGE)", "counter", byKind(s.sent));
  reg.collect("gossamer_mesh_messages_received_total", "Gob items read, by command", "counter", byKind(s.received));
  reg.collect("gossamer_mesh_forwarded_total", "Messages relayed for others, by command", "counter", () => [
    { labels: { command: "message" }, value: s.forwarded },
    { labels: { command: "msa" }, value: s.flooded },
  ]);
  reg.collect("gossamer_mesh_msas_total", "MSA events: originated, rate_limited, duplicate (dropped), unchanged (ignored)", "counter", () => [
    { labels: { event: "originated" }, value: s.msasOriginated },
    { labels: { event: "rate_limited" }, value: s.msasRateLimited },
    { labels: { event: "duplicate" }, value: s.msasDuplicate },
    { labels: { event: "unchanged" }, value: s.msasUnchanged },
  ]);
  reg.collect("gossamer_mesh_ack_timeouts_total", "Sends that got no ACK within the timeout (the link is closed)", "counter", () => s.ackTimeouts);
  reg.collect("gossamer_mesh_send_failures_total", "Per-hop sends that failed (timeout, link closed, no link)", "counter", () => s.sendFailures);
  reg.collect("gossamer_mesh_delivered_total", "MESSAGEs delivered to this node", "counter", () => s.delivered);
  reg.collect("gossamer_mesh_decode_errors_total", "Links closed on undecodable input", "counter", () => s.decodeErrors);
  reg.collect("gossamer_mesh_links_total", "Links opened and closed", "counter", () => [
    { labels: { event: "opened" }, value: s.linksOpened },
    { labels: { event: "closed" }, value: s.linksClosed },
  ]);
  reg.collect("gossamer_mesh_route_recomputations_total", "Effective network and route recomputations", "counter", () => s.routeRecomputations);
  reg.collect("gossamer_mesh_route_recompute_seconds_total", "Time spent recomputing routes", "counter", () => s.routeRecomputeMs / 1000);
  reg.collect("gossamer_mesh_solicitations_total", "UDP solicitations sent and answered", "counter", () => [
    { labels: { event: "sent" }, value: s.solicitationsSent },
    { labels: { event: "answered" }, value: s.solicitationsAnswered },
  ]);
  reg.collect("gossamer_mesh_peers", "Direct neighbours (established links)", "gauge", g.peers);
  reg.collect("gossamer_mesh_nodes", "Nodes in the effective network (this one included when linked)", "gauge", g.nodes);
  reg.collect("gossamer_mesh_routes", "Destinations with a next hop", "gauge", g.routes);
}
