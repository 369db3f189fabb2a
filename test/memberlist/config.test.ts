// Profiles carry memberlist's DefaultLANConfig / DefaultWANConfig / DefaultLocalConfig values
// (docs/protocols/memberlist.md §12) and the Vsn is [1, 5, ProtocolVersion, DMin, DMax, DCur] (docs/protocols/memberlist.md §3.3, §11).
import { describe, expect, it } from "vitest";
import { SERF_DELEGATE_VERSIONS, defaultConfig, localVsn, validateConfig } from "../../src/memberlist/config.ts";

describe("profiles", () => {
  it("match the documented table", () => {
    const lan = defaultConfig("lan", { name: "a" });
    const wan = defaultConfig("wan", { name: "a" });
    const local = defaultConfig("local", { name: "a" });
    const pick = (c: typeof lan) => [
      c.tcpTimeout, c.indirectChecks, c.retransmitMult, c.suspicionMult, c.suspicionMaxTimeoutMult,
      c.pushPullInterval, c.probeTimeout, c.probeInterval, c.awarenessMaxMultiplier, c.gossipNodes,
      c.gossipInterval, c.gossipToTheDeadTime, c.udpBufferSize, c.handoffQueueDepth, c.protocolVersion,
    ];
    expect(pick(lan)).toEqual([10000, 3, 4, 4, 6, 30000, 500, 1000, 8, 3, 200, 30000, 1400, 1024, 2]);
    expect(pick(wan)).toEqual([30000, 3, 4, 6, 6, 60000, 3000, 5000, 8, 4, 500, 60000, 1400, 1024, 2]);
    expect(pick(local)).toEqual([1000, 1, 2, 3, 6, 15000, 200, 1000, 8, 3, 100, 15000, 1400, 1024, 2]);
    for (const c of [lan, wan, local]) {
      expect(c.enableCompression).toBe(true);
      expect(c.gossipVerifyIncoming && c.gossipVerifyOutgoing).toBe(true);
      expect(c.disableTcpPings).toBe(false);
      expect(c.label).toBe("");
      expect(c.deadNodeReclaimTime).toBe(0);
    }
  });

  it("version vectors: plain memberlist 01 05 02 00 00 00, Serf-compatible 01 05 02 02 05 05", () => {
    expect([...localVsn(defaultConfig("lan", { name: "a" }))]).toEqual([1, 5, 2, 0, 0, 0]);
    expect([...localVsn(defaultConfig("lan", { name: "a", ...SERF_DELEGATE_VERSIONS }))]).toEqual([1, 5, 2, 2, 5, 5]);
  });

  it("rejects invalid configs", () => {
    expect(validateConfig(defaultConfig("lan", { name: "" }))).toMatch(/name/);
    expect(validateConfig(defaultConfig("lan", { name: "a", protocolVersion: 6 }))).toMatch(/protocol/);
    expect(validateConfig(defaultConfig("lan", { name: "a", label: "x".repeat(256) }))).toMatch(/label/);
    expect(validateConfig(defaultConfig("lan", { name: "a" }))).toBeNull();
  });
});
