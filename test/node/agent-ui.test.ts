// The agent's /ui with ckit's node layer running: the ckit panel lists the peers with their states (from
// the same peer JSON as GET /v1/peers), next to the members; without the node layer the page says how to
// turn it on.
import { afterAll, describe, expect, it } from "vitest";
import { startAgent, type Agent } from "../../src/node/index.ts";
import type { UiData } from "../../src/ui/index.ts";
import { testPlatform } from "../helpers/platform.ts";
import { waitUntil } from "../helpers/wait.ts";

const agents: Agent[] = [];
afterAll(async () => {
  for (const a of agents.reverse()) await a.shutdown();
});

describe("agent /ui", () => {
  it("shows ckit peer states when the node layer runs", async () => {
    const a = await startAgent(testPlatform(), { node: "ck-a", bind: "127.0.0.1:0", http: "127.0.0.1:0", peerState: "participant", profile: "local" });
    agents.push(a);
    const b = await startAgent(testPlatform(), { node: "ck-b", bind: "127.0.0.1:0", join: [`127.0.0.1:${a.transport.bound().port}`], peerState: "participant", profile: "local" });
    agents.push(b);
    const base = `http://127.0.0.1:${a.http!.address().port}`;
    const data = await waitUntil(
      "both ckit peers participants",
      async () => {
        const d = (await (await fetch(`${base}/ui/data`)).json()) as UiData;
        return d.ckit?.length === 2 && d.ckit.every((p) => p.state === "participant") ? d : undefined;
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(data.ckit!.find((p) => p.self)?.name).toBe("ck-a");
    expect(data.absent ?? []).toEqual([]);
    const html = await (await fetch(`${base}/ui`)).text();
    expect(html).toMatch(/<section class="panel" id="ckit"><h2>ckit peers <small>2 peers<\/small>/);
    expect(html).toContain('<span class="badge ok">participant</span>');
  });

  it("names the missing ckit panel without the node layer", async () => {
    const c = await startAgent(testPlatform(), { node: "plain", bind: "127.0.0.1:0", http: "127.0.0.1:0" });
    agents.push(c);
    const d = (await (await fetch(`http://127.0.0.1:${c.http!.address().port}/ui/data`)).json()) as UiData;
    expect(d.ckit).toBeUndefined();
    expect(d.absent).toEqual([{ panel: "ckit peers", why: expect.stringContaining("--peer-state") }]);
  });
});
