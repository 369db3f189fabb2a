// Key rotation with rolling restarts (docs/run-on-hosts.md): an agent encrypting with the old key and
// accepting the new one (--extra-key) and an agent encrypting with the new key and accepting the old one
// are one cluster; an agent that knows only the new key cannot join the first one.
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { startAgent, type Agent } from "../../src/node/index.ts";
import { parseAgentFlags } from "../../src/node/cli/agent.ts";
import { testPlatform } from "../helpers/platform.ts";
import { waitUntil } from "../helpers/wait.ts";

const agents: Agent[] = [];
afterAll(async () => {
  for (const a of agents) await a.shutdown();
});
async function agent(node: string, encryptKey: Uint8Array, extraKeys: Uint8Array[], join: string[] = []): Promise<Agent> {
  const a = await startAgent(testPlatform(), { node, bind: "127.0.0.1:0", encryptKey, extraKeys, join, profile: "local" });
  agents.push(a);
  return a;
}

describe("key rotation", () => {
  it("old-primary + new-extra and new-primary + old-extra agents form one cluster", async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const a = await agent("rot-a", oldKey, [newKey]);
    const seed = [`127.0.0.1:${a.transport.bound().port}`];
    const b = await agent("rot-b", newKey, [oldKey], seed);
    expect(b.joined).toEqual({ contacted: 1 });
    await waitUntil("a sees b", () => a.memberlist.members().some((m) => m.name === "rot-b" && m.state === "alive"), { timeout: 10_000 });
    const c = await agent("rot-c", newKey, [], seed);
    expect(c.joined?.contacted).toBe(0);
    expect(c.joined?.error).toBeTruthy();
  });

  it("parses --extra-key and refuses it without --encrypt", () => {
    const k1 = randomBytes(16).toString("base64");
    const k2 = randomBytes(32).toString("base64");
    const f = parseAgentFlags(["--encrypt", k1, "--extra-key", k2], {});
    expect(f.extraKeys.map((k) => Buffer.from(k).toString("base64"))).toEqual([k2]);
    expect(parseAgentFlags([], { GOSSAMER_ENCRYPT: k1, GOSSAMER_EXTRA_KEYS: `${k2},${k2}` }).extraKeys).toHaveLength(2);
    expect(() => parseAgentFlags(["--extra-key", k2], {})).toThrow("--extra-key needs --encrypt");
    expect(() => parseAgentFlags(["--encrypt", k1, "--extra-key", "short"], {})).toThrow(/--extra-key:/);
  });
});
