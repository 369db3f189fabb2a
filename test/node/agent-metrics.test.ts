// GET /metrics of a real agent (in-process startAgent: real UDP/TCP sockets, real HTTP): the Prometheus text
// parses, member counts match /v1/members, push/pull and message counters move after a join, and malformed
// UDP packets and TCP requests sent from raw sockets show up in the drop counters under their error code.
import dgram from "node:dgram";
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { startAgent, type Agent } from "../../src/node/agent.ts";
import { StreamBudget } from "../../src/node/stream-budget.ts";
import { nullLogger } from "../../src/util/logger.ts";
import { testPlatform } from "../helpers/platform.ts";
import { waitUntil } from "../helpers/wait.ts";

const agents: Agent[] = [];
afterAll(async () => {
  for (const a of agents) await a.shutdown();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Minimal Prometheus text parser: every sample line must be `name{k="v",...} value`. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) types.set(t[1]!, t[2]!);
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

function value(text: string, name: string, labels: Record<string, string> = {}): number {
  const s = parse(text).samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s === undefined ? 0 : s.value;
}

async function scrape(a: Agent): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${a.http!.address().port}/metrics`);
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toContain("text/plain");
  return r.text();
}

describe("agent GET /metrics", () => {
  it("reports members by state, health, push/pull, messages, stream budget and drops by code", async () => {
    const budget = new StreamBudget(3 * 1024 * 1024);
    const common = { bind: "127.0.0.1:0", http: "127.0.0.1:0", profile: "local" as const, streamBudget: budget, delegateVersions: [0, 0, 0] as [number, number, number] };
    const a = await startAgent(testPlatform(), { ...common, node: "metrics-a" });
    agents.push(a);
    const before = await scrape(a);
    expect(value(before, "gossamer_memberlist_members", { state: "alive" })).toBe(1);
    expect(value(before, "gossamer_memberlist_push_pull_total", { direction: "inbound", result: "ok" })).toBe(0);

    const portA = a.transport.bound().port;
    const b = await startAgent(testPlatform(), { ...common, node: "metrics-b", join: [`127.0.0.1:${portA}`] });
    agents.push(b);
    expect(b.joined).toEqual({ contacted: 1 });

    // Both see two alive members, matching /v1/members.
    const text = await waitUntil("a sees b alive", async () => {
      const t = await scrape(a);
      return value(t, "gossamer_memberlist_members", { state: "alive" }) === 2 ? t : undefined;
    }, { timeout: 10_000, interval: 50 });
    const listed = ((await (await fetch(`http://127.0.0.1:${a.http!.address().port}/v1/members`)).json()) as { members: { state: string }[] }).members;
    expect(listed.filter((m) => m.state === "alive")).toHaveLength(value(text, "gossamer_memberlist_members", { state: "alive" }));
    for (const state of ["suspect", "dead", "left"]) expect(value(text, "gossamer_memberlist_members", { state })).toBe(0);

    const { types } = parse(text);
    expect(types.get("gossamer_memberlist_members")).toBe("gauge");
    expect(types.get("gossamer_memberlist_health_score")).toBe("gauge");
    expect(types.get("gossamer_memberlist_dropped_total")).toBe("counter");
    expect(value(text, "gossamer_memberlist_health_score")).toBe(a.memberlist.healthScore());
    expect(value(text, "gossamer_memberlist_incarnation")).toBeGreaterThanOrEqual(1);
    // b's join was a push/pull a answered; b dialled it.
    expect(value(text, "gossamer_memberlist_push_pull_total", { direction: "inbound", result: "ok" })).toBeGreaterThanOrEqual(1);
    expect(value(text, "gossamer_memberlist_messages_received_total", { type: "pushPull" })).toBeGreaterThanOrEqual(1);
    expect(value(text, "gossamer_memberlist_messages_sent_total", { type: "pushPull" })).toBeGreaterThanOrEqual(1);
    const bText = await scrape(b);
    expect(value(bText, "gossamer_memberlist_push_pull_total", { direction: "outbound", result: "ok" })).toBeGreaterThanOrEqual(1);
    expect(value(bText, "gossamer_memberlist_streams_opened_total")).toBeGreaterThanOrEqual(1);
    expect(value(text, "gossamer_memberlist_stream_budget_limit_bytes")).toBe(3 * 1024 * 1024);
    expect(value(text, "gossamer_memberlist_stream_budget_peak_bytes")).toBe(budget.stats().peak);
    expect(value(text, "gossamer_memberlist_stream_budget_peak_bytes")).toBeGreaterThan(0);
    expect(value(text, "gossamer_memberlist_broadcast_queue_depth", { queue: "user" })).toBe(0);

    // Probes flow both ways: pings and acks are counted by type, with their bytes.
    const probed = await waitUntil("a probes b", async () => {
      const t = await scrape(a);
      return value(t, "gossamer_memberlist_messages_sent_total", { type: "ping" }) > 0 && value(t, "gossamer_memberlist_messages_received_total", { type: "ackResp" }) > 0 ? t : undefined;
    }, { timeout: 10_000, interval: 50 });
    expect(value(probed, "gossamer_memberlist_message_bytes_sent_total", { type: "ping" })).toBeGreaterThan(value(probed, "gossamer_memberlist_messages_sent_total", { type: "ping" }));
    expect(value(probed, "gossamer_memberlist_packets_received_total")).toBeGreaterThan(0);
    expect(value(probed, "gossamer_memberlist_packet_bytes_sent_total")).toBeGreaterThan(0);

    // Malformed UDP: an unknown message type and a compound that claims 5 parts it does not carry.
    const udpDrops = (t: string, code: string) => value(t, "gossamer_memberlist_dropped_total", { transport: "udp", code });
    const unknown0 = udpDrops(probed, "memberlist.unknown_type");
    const compound0 = udpDrops(probed, "memberlist.bad_compound");
    const sock = dgram.createSocket("udp4");
    await new Promise<void>((r) => sock.send(Uint8Array.of(0x63, 1, 2, 3), portA, "127.0.0.1", () => r()));
    await new Promise<void>((r) => sock.send(Uint8Array.of(0x07, 0x05, 0x00), portA, "127.0.0.1", () => r()));
    sock.close();
    const dropped = await waitUntil("udp drops counted", async () => {
      const t = await scrape(a);
      return udpDrops(t, "memberlist.unknown_type") === unknown0 + 1 && udpDrops(t, "memberlist.bad_compound") === compound0 + 1 ? t : undefined;
    }, { timeout: 10_000, interval: 50 });
    expect(udpDrops(dropped, "memberlist.unknown_type")).toBe(unknown0 + 1);

    // Malformed TCP: a stream request with an unknown type byte is dropped (and answered with an errResp).
    const tcp0 = value(dropped, "gossamer_memberlist_dropped_total", { transport: "tcp", code: "memberlist.unknown_type" });
    await new Promise<void>((resolve, reject) => {
      const c = net.connect(portA, "127.0.0.1", () => c.write(Uint8Array.of(0x63, 0x80)));
      c.on("data", () => c.end());
      c.on("close", () => resolve());
      c.on("error", reject);
    });
    const tcp = await waitUntil("tcp drop counted", async () => {
      const t = await scrape(a);
      return value(t, "gossamer_memberlist_dropped_total", { transport: "tcp", code: "memberlist.unknown_type" }) === tcp0 + 1 ? t : undefined;
    }, { timeout: 10_000, interval: 50 });
    expect(value(tcp, "gossamer_memberlist_stream_errors_total")).toBeGreaterThanOrEqual(1);
    // The node kept working.
    expect(value(tcp, "gossamer_memberlist_members", { state: "alive" })).toBe(2);
  }, 40_000);

  it("HEAD /metrics answers without a body; the other routes are unchanged", async () => {
    const a = await startAgent(testPlatform(), { node: "metrics-head", bind: "127.0.0.1:0", http: "127.0.0.1:0", profile: "local", delegateVersions: [0, 0, 0] });
    agents.push(a);
    const base = `http://127.0.0.1:${a.http!.address().port}`;
    const head = await fetch(`${base}/metrics`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    expect((await fetch(`${base}/metrics`, { method: "POST" })).status).toBe(405);
    expect(((await (await fetch(`${base}/healthz`)).json()) as { members: number }).members).toBe(1);
  });
});
