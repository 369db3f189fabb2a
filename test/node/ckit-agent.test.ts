// `gossamer agent --transport http2 --peer-state ...`: flag parsing and env mirrors, then agents in
// process over real sockets: HTTP/2 members join, move to participant, serve GET /v1/peers in ckit's
// peer JSON and cluster_* metrics, move to terminating on leave; a UDP agent with --peer-state runs the
// same node layer; without either, /v1/peers is 404 with the JSON error shape; Gravity envelopes still
// travel between agents in ckit mode (by gossip messages).
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { parseAgentFlags, UsageError } from "../../src/node/cli/agent.ts";
import { startAgent, type Agent } from "../../src/node/agent.ts";
import { parsePeerJSON } from "../../src/ckit/index.ts";
import { testPlatform } from "../helpers/platform.ts";

const FAST = { probeInterval: 200, probeTimeout: 100, gossipInterval: 50, pushPullInterval: 2_000 };
const agents: Agent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) await a.shutdown();
});

describe("agent flags for HTTP/2 and peer states", () => {
  it("parses --transport, --peer-state and --tls-*, with env mirrors", () => {
    const f = parseAgentFlags(["--transport", "http2", "--peer-state", "participant", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-ca", "ca.pem"], {});
    expect(f).toMatchObject({ transport: "http2", peerState: "participant", tls: { cert: "c.pem", key: "k.pem", ca: "ca.pem" }, delegateVersions: [0, 0, 0] });
    const e = parseAgentFlags([], { GOSSAMER_TRANSPORT: "http2", GOSSAMER_PEER_STATE: "viewer" });
    expect(e).toMatchObject({ transport: "http2", peerState: "viewer" });
    expect(parseAgentFlags([], {})).toMatchObject({ transport: "udp", delegateVersions: [0, 0, 0] });
    expect(parseAgentFlags(["--peer-state", "viewer"], {}).delegateVersions).toEqual([0, 0, 0]);
    // ckit's node layer owns push/pull, which Serf needs for itself.
    expect(() => parseAgentFlags(["--serf", "--transport", "http2"], {})).toThrow(/--serf cannot be combined/);
    expect(() => parseAgentFlags(["--serf", "--peer-state", "viewer"], {})).toThrow(UsageError);
    expect(parseAgentFlags(["--transport", "http2", "--delegate-versions", "1,2,1"], {}).delegateVersions).toEqual([1, 2, 1]);
    for (const bad of [
      ["--transport", "quic"],
      ["--peer-state", "terminating"],
      ["--tls-cert", "c.pem", "--tls-key", "k.pem"],
      ["--transport", "http2", "--tls-cert", "c.pem"],
      ["--transport", "http2", "--tls-ca", "ca.pem"],
    ]) {
      expect(() => parseAgentFlags(bad, {}), bad.join(" ")).toThrow(UsageError);
    }
  });
});

async function agent(node: string, extra: Partial<Parameters<typeof startAgent>[1]> = {}): Promise<Agent> {
  const a = await startAgent(testPlatform(), { node, bind: "127.0.0.1:0", http: "127.0.0.1:0", profile: "local", overrides: FAST, ...extra });
  agents.push(a);
  return a;
}

const get = async (a: Agent, path: string) => {
  const r = await fetch(`http://127.0.0.1:${a.http!.address().port}${path}`);
  return { status: r.status, text: await r.text() };
};

describe("agents on HTTP/2 with ckit peer states", () => {
  it("join over HTTP/2, become participants, serve /v1/peers and cluster_* metrics, terminate on leave", async () => {
    const a = await agent("a", { transport: "http2", peerState: "participant" });
    const addrA = `127.0.0.1:${a.transport.bound().port}`;
    expect(a.transport.advertise()).toEqual({ host: "127.0.0.1", port: a.transport.bound().port });
    const b = await agent("b", { transport: "http2", peerState: "participant", join: [addrA] });
    expect(b.joined).toEqual({ contacted: 1 });
    const c = await agent("c", { transport: "http2", join: [addrA] }); // viewer by default
    await expect
      .poll(async () => (await get(c, "/v1/peers")).text, { timeout: 10_000 })
      .toBe(
        `[{"name":"a","addr":"${addrA}","isSelf":false,"state":"participant"},` +
          `{"name":"b","addr":"127.0.0.1:${b.transport.bound().port}","isSelf":false,"state":"participant"},` +
          `{"name":"c","addr":"127.0.0.1:${c.transport.bound().port}","isSelf":true,"state":"viewer"}]`,
      );
    const peers = JSON.parse((await get(a, "/v1/peers")).text) as unknown[];
    expect(peers.map((p) => parsePeerJSON(JSON.stringify(p)).state)).toEqual([1, 1, 0]);
    const m = (await get(a, "/metrics")).text;
    expect(m).toContain('cluster_node_peers{cluster_name="",state="participant"} 2');
    expect(m).toContain('cluster_node_info{cluster_name="",state="participant"} 1');
    expect(m).toMatch(/cluster_transport_tx_packets_total [1-9]/);
    expect(m).toContain("gossamer_memberlist_members"); // the agent's own metrics are still there
    // Observers get only the latest peer set (ckit's semantics), so b's short terminating phase may be
    // coalesced away at a; the state message itself is what must arrive: count a's and c's received ones.
    const stateMessages = async () => {
      let n = 0;
      for (const x of [a, c]) {
        const line = /cluster_node_gossip_received_events_total\{[^}]*event="state_change_message"[^}]*\} (\d+)/.exec((await get(x, "/metrics")).text);
        n += Number(line?.[1] ?? 0);
      }
      return n;
    };
    const seenB: number[] = [];
    a.ckit!.state.observe((ps) => {
      const pb = ps.find((p) => p.name === "b");
      if (pb && seenB.at(-1) !== pb.state) seenB.push(pb.state);
      return true;
    });
    const before = await stateMessages();
    await b.leave(2_000);
    await expect.poll(async () => (await get(a, "/v1/peers")).text.includes('"name":"b"'), { timeout: 10_000 }).toBe(false);
    await expect.poll(stateMessages, { timeout: 10_000 }).toBeGreaterThan(before); // b announced terminating
    // Whatever a's observers saw of b, it never went back from terminating to participant.
    const t = seenB.indexOf(2);
    if (t >= 0) expect(seenB.slice(t + 1)).not.toContain(1);
  }, 30_000);

  it("TLS agents with a shared CA", async () => {
    const fx = (f: string) => readFileSync(new URL(`../fixtures/ckit-tls/${f}`, import.meta.url));
    const tls = { cert: fx("node.crt"), key: fx("node.key"), ca: fx("ca.crt") };
    const a = await agent("a", { transport: "http2", tls });
    const b = await agent("b", { transport: "http2", tls, join: [`127.0.0.1:${a.transport.bound().port}`] });
    expect(b.joined).toEqual({ contacted: 1 });
    await expect.poll(() => a.memberlist.numMembers(), { timeout: 5_000 }).toBe(2);
  });

  it("a UDP agent with --peer-state runs the node layer; without it /v1/peers is 404", async () => {
    const a = await agent("a", { peerState: "participant" });
    const b = await agent("b", { peerState: "viewer", join: [`127.0.0.1:${a.transport.bound().port}`] });
    await expect.poll(async () => (await get(b, "/v1/peers")).text, { timeout: 5_000 }).toContain('"name":"a","addr"');
    await expect.poll(async () => (await get(b, "/v1/peers")).text, { timeout: 5_000 }).toContain('"state":"participant"');
    const plain = await agent("plain");
    const r = await get(plain, "/v1/peers");
    expect(r.status).toBe(404);
    expect(JSON.parse(r.text)).toEqual({ error: { code: "not_enabled", message: expect.any(String) } });
    expect(() => a.transport.pool(1)).not.toThrow();
  });

  it("Gravity state still spreads between agents in ckit mode, by gossip messages", async () => {
    const a = await agent("a", { transport: "http2", httpToken: "t" });
    const b = await agent("b", { transport: "http2", join: [`127.0.0.1:${a.transport.bound().port}`] });
    await expect.poll(() => b.memberlist.numMembers(), { timeout: 5_000 }).toBe(2);
    const env = { type: 5, payload: { subnet: "fd15:d710:2:5::/64", machine_id: "m1", ion_id: "10.0.0.7:7946", timestamp: 1700000000, action: "add", v: 231 } };
    const r = await fetch(`http://127.0.0.1:${a.http!.address().port}/v1/messages`, { method: "POST", headers: { authorization: "Bearer t" }, body: JSON.stringify(env) });
    expect(r.status).toBeLessThan(300);
    await expect.poll(() => b.control.store.size, { timeout: 10_000 }).toBeGreaterThan(0);
  });

  it("user messages that are not ckit gossip still reach the agent", async () => {
    const got: string[] = [];
    const a = await agent("a", { transport: "http2", onUserMessage: (b) => void got.push(new TextDecoder().decode(b)) });
    const b = await agent("b", { transport: "http2", join: [`127.0.0.1:${a.transport.bound().port}`] });
    b.memberlist.sendBestEffort("a", new TextEncoder().encode("hello"));
    await expect.poll(() => got, { timeout: 5_000 }).toEqual(["hello"]);
    expect(() => a.transport.pool(1)).toThrow(/UDP\/TCP transport/);
  });
});
