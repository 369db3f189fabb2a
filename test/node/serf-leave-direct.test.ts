// The Serf leave intent also goes directly (reliable user message over TCP) to alive members, so a member
// that misses the few gossip retransmits still learns that we left (docs/protocols/serf.md §3). Here the
// leaving agent's broadcasts are never retransmitted (retransmitMult 0): the intent arrives anyway.
import { afterAll, describe, expect, it } from "vitest";
import { startAgent, type Agent } from "../../src/node/index.ts";
import { encodeSerfLeaveIntent } from "../../src/memberlist/index.ts";
import { testPlatform } from "../helpers/platform.ts";
import { waitUntil } from "../helpers/wait.ts";

const agents: Agent[] = [];
afterAll(async () => {
  for (const a of agents) await a.shutdown();
});

describe("Serf leave intent", () => {
  it("reaches an alive member directly even when no broadcast goes out", async () => {
    const got: Uint8Array[] = [];
    const b = await startAgent(testPlatform(), { node: "stay", bind: "127.0.0.1:0", serf: true, profile: "local", onUserMessage: (m) => got.push(m) });
    agents.push(b);
    const a = await startAgent(testPlatform(), { node: "going", bind: "127.0.0.1:0", serf: true, profile: "local", join: [`127.0.0.1:${b.transport.bound().port}`], overrides: { retransmitMult: 0 } });
    agents.push(a);
    await waitUntil("a sees b alive", () => a.memberlist.members().some((m) => m.name === "stay" && m.state === "alive"), { timeout: 10_000 });
    await a.leave(3000);
    const intent = encodeSerfLeaveIntent("going", 1);
    const seen = await waitUntil("intent at b", () => got.find((m) => Buffer.from(m).equals(Buffer.from(intent))), { timeout: 5000 });
    expect(seen[0]).toBe(intent[0]);
  });
});
