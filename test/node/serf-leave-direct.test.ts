// The Serf leave intent also goes directly (reliable user message over TCP) to alive members, so a member
// that misses the few gossip retransmits still learns that we left (docs/protocols/serf.md §3). Here the
// two agents send no gossip and no probes once joined (gossipNodes 0, an hour between probes), so no
// packet carries the broadcast while the agent waits for it to go out (until the memberlist leave
// piggy-backs it, seconds later): the intent arrives within that wait, over TCP.
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
    const quiet = { gossipNodes: 0, probeInterval: 3_600_000 };
    const b = await startAgent(testPlatform(), { node: "stay", bind: "127.0.0.1:0", serf: true, profile: "local", overrides: quiet, onUserMessage: (m) => got.push(m) });
    agents.push(b);
    const a = await startAgent(testPlatform(), { node: "going", bind: "127.0.0.1:0", serf: true, profile: "local", join: [`127.0.0.1:${b.transport.bound().port}`], overrides: quiet });
    agents.push(a);
    await waitUntil("a sees b alive", () => a.memberlist.members().some((m) => m.name === "stay" && m.state === "alive"), { timeout: 10_000 });
    // The leave waits (up to 15 s) for a broadcast that never goes out; the intent must arrive meanwhile.
    let left = false;
    const leaving = a.leave(15_000).then(() => (left = true));
    const intent = encodeSerfLeaveIntent("going", 1);
    const seen = await waitUntil("intent at b", () => got.find((m) => Buffer.from(m).equals(Buffer.from(intent))), { timeout: 12_000 });
    expect(seen[0]).toBe(intent[0]);
    expect(left).toBe(false); // still waiting for the broadcast: the intent came directly
    // No need to sit out the wait: stop the leaving agent (its leave then finds memberlist closed and ends).
    await a.shutdown();
    void leaving.catch(() => {});
  }, 30_000);
});
