// Prometheus metrics of a gossamer agent (prom-client, one Registry per agent), served as GET /metrics on
// the admin API. The memberlist core only keeps plain integer counters (Memberlist.stats(), core.ts Stats);
// every collector below reads them at scrape time, so the packet path never calls into prom-client.
// Names follow memberlist/Serf's telemetry (memberlist.health.score, memberlist.queue.broadcasts, ...)
// with the gossamer_memberlist_ prefix. Counters are totals since the agent started.
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
//   gossamer_memberlist_stream_budget_limit_bytes           gauge   inbound stream memory budget (process-wide)
//   gossamer_memberlist_stream_budget_used_bytes            gauge   bytes held by open inbound streams
//   gossamer_memberlist_stream_budget_peak_bytes            gauge   highest used seen
//   gossamer_memberlist_stream_budget_rejected_total        counter inbound streams closed: budget exhausted
//
// Received bytes are not split by type: the core learns message boundaries only after decoding.
import { Counter, Gauge, Registry } from "prom-client";
import type { Memberlist } from "../memberlist/memberlist.ts";
import type { MemberState } from "../memberlist/config.ts";
import { MESSAGE_TYPE_NAMES } from "../memberlist/messages.ts";
import type { StreamBudgetStats } from "./stream-budget.ts";

export interface AgentMetricsSource {
  memberlist: Memberlist;
  streamBudget(): StreamBudgetStats;
}

const P = "gossamer_memberlist_";
const STATES: readonly MemberState[] = ["alive", "suspect", "dead", "left"];

export function registerAgentMetrics(src: AgentMetricsSource, registry: Registry = new Registry()): Registry {
  const ml = src.memberlist;
  const stats = () => ml.stats();
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name: P + name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  const total = (name: string, help: string, read: () => number) =>
    new Counter({
      name: P + name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });

  new Gauge({
    name: P + "members",
    help: "Members known to this node, by state (dead and left ones until reaped).",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const n: Record<string, number> = { alive: 0, suspect: 0, dead: 0, left: 0 };
      for (const m of ml.members()) n[m.state] = (n[m.state] ?? 0) + 1;
      for (const state of STATES) this.set({ state }, n[state]!);
    },
  });
  gauge("health_score", "Lifeguard local health (awareness) score: 0 is healthy; higher slows probing.", () => ml.healthScore());
  gauge("incarnation", "This node's own incarnation number.", () => ml.localMember().incarnation);

  total("packets_sent_total", "UDP datagrams sent.", () => stats().packetsSent);
  total("packets_received_total", "UDP datagrams received.", () => stats().packetsReceived);
  total("packet_bytes_sent_total", "UDP bytes sent, as on the wire.", () => stats().bytesSent);
  total("packet_bytes_received_total", "UDP bytes received, as on the wire.", () => stats().bytesReceived);

  const byType = (name: string, help: string, read: () => readonly number[]) =>
    new Counter({
      name: P + name,
      help,
      labelNames: ["type"],
      registers: [registry],
      collect() {
        this.reset();
        read().forEach((v, t) => {
          const type = MESSAGE_TYPE_NAMES.get(t);
          if (type !== undefined && v > 0) this.inc({ type }, v);
        });
      },
    });
  byType("messages_sent_total", "Messages sent by type, UDP and TCP (compound parts and piggy-backed broadcasts count one each).", () => stats().msgsSent);
  byType("message_bytes_sent_total", "Encoded bytes of the messages sent, by type (before compression, CRC, encryption, label).", () => stats().msgBytesSent);
  byType("messages_received_total", "Messages received and decoded, by type, UDP and TCP.", () => stats().msgsReceived);

  new Counter({
    name: P + "push_pull_total",
    help: "Push/pull (anti-entropy and join) exchanges, by direction and result.",
    labelNames: ["direction", "result"],
    registers: [registry],
    collect() {
      const s = stats();
      this.reset();
      this.inc({ direction: "outbound", result: "ok" }, s.pushPullOut);
      this.inc({ direction: "outbound", result: "error" }, s.pushPullOutFailed);
      this.inc({ direction: "inbound", result: "ok" }, s.pushPullIn);
      this.inc({ direction: "inbound", result: "error" }, s.pushPullInFailed);
    },
  });
  total("push_pull_unknown_states_total", "Push/pull node states skipped because their State is not 0..3.", () => stats().unknownNodeStates);

  new Counter({
    name: P + "dropped_total",
    help: "Malformed input dropped (UDP packets, unreadable TCP requests), by transport and error code.",
    labelNames: ["transport", "code"],
    registers: [registry],
    collect() {
      const s = stats();
      this.reset();
      for (const [code, v] of Object.entries(s.packetDrops)) this.inc({ transport: "udp", code }, v);
      for (const [code, v] of Object.entries(s.streamDrops)) this.inc({ transport: "tcp", code }, v);
    },
  });
  total("streams_opened_total", "TCP streams this node dialled.", () => stats().streamsOpened);
  total("stream_errors_total", "Inbound TCP streams that failed.", () => stats().streamErrors);
  total("suspicions_total", "Suspicions this node started about others.", () => stats().suspicionsStarted);
  total("deaths_declared_total", "Nodes this node declared dead when their suspicion timed out.", () => stats().deathsDeclared);
  total("refutations_total", "Accusations about this node that it refuted.", () => stats().refutations);

  new Gauge({
    name: P + "broadcast_queue_depth",
    help: "Broadcasts waiting in the transmit-limited queues (memberlist's own, user).",
    labelNames: ["queue"],
    registers: [registry],
    collect() {
      this.set({ queue: "memberlist" }, ml.core.broadcasts.numQueued());
      this.set({ queue: "user" }, ml.broadcasts.numQueued());
    },
  });

  gauge("stream_budget_limit_bytes", "Inbound stream memory budget of the transport (shared process-wide by default).", () => src.streamBudget().limit);
  gauge("stream_budget_used_bytes", "Bytes charged to open inbound streams.", () => src.streamBudget().used);
  gauge("stream_budget_peak_bytes", "Highest stream_budget_used_bytes seen.", () => src.streamBudget().peak);
  total("stream_budget_rejected_total", "Inbound streams closed because the stream budget was exhausted.", () => src.streamBudget().rejected);
  return registry;
}
