// Metrics of a memberlist member, declared once (portable; the platform's registry renders them on
// every runtime). The core only keeps plain integer counters (Memberlist.stats(), core.ts Stats); the
// families below read them at scrape time, so the packet path never calls into a metrics library.
// Names follow memberlist/Serf's telemetry (memberlist.health.score, memberlist.queue.broadcasts, ...)
// with the gossamer_memberlist_ prefix. Counters are totals since the member started.
//
//   gossamer_memberlist_members{state}                      gauge   members known, by state (alive|suspect|dead|left)
//   gossamer_memberlist_health_score                        gauge   Lifeguard awareness score (0 = healthy)
//   gossamer_memberlist_incarnation                         gauge   our own incarnation number
//   gossamer_memberlist_packets_sent_total                  counter UDP datagrams sent
//   gossamer_memberlist_packets_received_total              counter UDP datagrams received
//   gossamer_memberlist_packet_bytes_sent_total             counter UDP bytes sent (on the wire: sealed)
//   gossamer_memberlist_packet_bytes_received_total         counter UDP bytes received (on the wire)
//   gossamer_memberlist_messages_sent_total{type}           counter messages sent by type, UDP and TCP (each
//                                                                   compound part and piggy-backed broadcast counts)
//   gossamer_memberlist_message_bytes_sent_total{type}      counter encoded bytes of those messages (before
//                                                                   compression/CRC/encryption/label)
//   gossamer_memberlist_messages_received_total{type}       counter messages received and decoded, by type
//   gossamer_memberlist_push_pull_total{direction,result}   counter push/pull exchanges (outbound|inbound, ok|error)
//   gossamer_memberlist_push_pull_unknown_states_total      counter push/pull node states skipped for a State
//                                                                   outside 0..3 (Go skips them too)
//   gossamer_memberlist_dropped_total{transport,code}       counter malformed input dropped: udp packets and
//                                                                   unreadable tcp requests, by error code
//                                                                   (memberlist.truncated, memberlist.decrypt, ...)
//   gossamer_memberlist_streams_opened_total                counter TCP streams we dialled
//   gossamer_memberlist_stream_errors_total                 counter inbound streams that failed
//   gossamer_memberlist_suspicions_total                    counter suspicions this node started
//   gossamer_memberlist_deaths_declared_total               counter nodes this node declared dead
//   gossamer_memberlist_refutations_total                   counter accusations about ourselves refuted
//   gossamer_memberlist_broadcast_queue_depth{queue}        gauge   queued broadcasts (memberlist|user)
//   gossamer_memberlist_rejected_total{reason}              counter hardening (docs/security.md): members or
//                                                                   alive packets outside cidrsAllowed (cidr),
//                                                                   news past maxIncarnationJump (incarnation_jump),
//                                                                   new members past maxPushPullNewMembers (push_pull_cap)
//
// Received bytes are not split by type: the core learns message boundaries only after decoding.
// The Node agent adds its transport's stream-budget gauges (src/node/agent-metrics.ts).
import type { Labels, MetricFamily, MetricsRegistry } from "../util/index.ts";
import type { MemberState } from "./config.ts";
import type { Memberlist } from "./memberlist.ts";
import { MESSAGE_TYPE_NAMES } from "./messages.ts";

/** Prefix of every memberlist family. */
export const MEMBERLIST_METRIC_PREFIX = "gossamer_memberlist_";
const P = MEMBERLIST_METRIC_PREFIX;
const STATES: readonly MemberState[] = ["alive", "suspect", "dead", "left"];

type Sample = { labels: Labels; value: number };
const fam = (name: string, type: "counter" | "gauge", help: string, samples: Sample[]): MetricFamily => ({ name: P + name, help, type, samples });
const single = (name: string, type: "counter" | "gauge", help: string, value: number): MetricFamily => fam(name, type, help, [{ labels: {}, value }]);

function byType(values: readonly number[]): Sample[] {
  const out: Sample[] = [];
  values.forEach((v, t) => {
    const type = MESSAGE_TYPE_NAMES.get(t);
    if (type !== undefined && v > 0) out.push({ labels: { type }, value: v });
  });
  return out;
}

/** The member's families, read now. */
export function memberlistFamilies(ml: Memberlist): MetricFamily[] {
  const s = ml.stats();
  const counts: Record<string, number> = { alive: 0, suspect: 0, dead: 0, left: 0 };
  for (const m of ml.members()) counts[m.state] = (counts[m.state] ?? 0) + 1;
  const drops: Sample[] = [];
  for (const [code, v] of Object.entries(s.packetDrops)) drops.push({ labels: { transport: "udp", code }, value: v });
  for (const [code, v] of Object.entries(s.streamDrops)) drops.push({ labels: { transport: "tcp", code }, value: v });
  return [
    fam("members", "gauge", "Members known to this node, by state (dead and left ones until reaped).", STATES.map((state) => ({ labels: { state }, value: counts[state]! }))),
    single("health_score", "gauge", "Lifeguard local health (awareness) score: 0 is healthy; higher slows probing.", ml.healthScore()),
    single("incarnation", "gauge", "This node's own incarnation number.", ml.localMember().incarnation),
    single("packets_sent_total", "counter", "UDP datagrams sent.", s.packetsSent),
    single("packets_received_total", "counter", "UDP datagrams received.", s.packetsReceived),
    single("packet_bytes_sent_total", "counter", "UDP bytes sent, as on the wire.", s.bytesSent),
    single("packet_bytes_received_total", "counter", "UDP bytes received, as on the wire.", s.bytesReceived),
    fam("messages_sent_total", "counter", "Messages sent by type, UDP and TCP (compound parts and piggy-backed broadcasts count one each).", byType(s.msgsSent)),
    fam("message_bytes_sent_total", "counter", "Encoded bytes of the messages sent, by type (before compression, CRC, encryption, label).", byType(s.msgBytesSent)),
    fam("messages_received_total", "counter", "Messages received and decoded, by type, UDP and TCP.", byType(s.msgsReceived)),
    fam("push_pull_total", "counter", "Push/pull (anti-entropy and join) exchanges, by direction and result.", [
      { labels: { direction: "outbound", result: "ok" }, value: s.pushPullOut },
      { labels: { direction: "outbound", result: "error" }, value: s.pushPullOutFailed },
      { labels: { direction: "inbound", result: "ok" }, value: s.pushPullIn },
      { labels: { direction: "inbound", result: "error" }, value: s.pushPullInFailed },
    ]),
    single("push_pull_unknown_states_total", "counter", "Push/pull node states skipped because their State is not 0..3.", s.unknownNodeStates),
    fam("dropped_total", "counter", "Malformed input dropped (UDP packets, unreadable TCP requests), by transport and error code.", drops),
    single("streams_opened_total", "counter", "TCP streams this node dialled.", s.streamsOpened),
    single("stream_errors_total", "counter", "Inbound TCP streams that failed.", s.streamErrors),
    single("suspicions_total", "counter", "Suspicions this node started about others.", s.suspicionsStarted),
    single("deaths_declared_total", "counter", "Nodes this node declared dead when their suspicion timed out.", s.deathsDeclared),
    single("refutations_total", "counter", "Accusations about this node that it refuted.", s.refutations),
    fam("rejected_total", "counter", "Gossip refused by the hardening bounds: addresses outside the allowed CIDRs, incarnation jumps, new members past the push/pull cap.", [
      { labels: { reason: "cidr" }, value: s.cidrRejected },
      { labels: { reason: "incarnation_jump" }, value: s.incarnationJumps },
      { labels: { reason: "push_pull_cap" }, value: s.pushPullNewCapped },
    ]),
    fam("broadcast_queue_depth", "gauge", "Broadcasts waiting in the transmit-limited queues (memberlist's own, user).", [
      { labels: { queue: "memberlist" }, value: ml.core.broadcasts.numQueued() },
      { labels: { queue: "user" }, value: ml.broadcasts.numQueued() },
    ]),
  ];
}

/** Registers the member's families on `registry`, read at each scrape. */
export function registerMemberlistMetrics(registry: MetricsRegistry, ml: Memberlist): void {
  registry.collectFamilies(() => memberlistFamilies(ml));
}
