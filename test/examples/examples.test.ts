// The files in examples/ that the README and docs/run-on-hosts.md hand to users: every Gravity envelope
// decodes with our V for its type (a stale V would be merged defensively and counted as a mismatch), and
// vip-heartbeat.sh prints a heartbeat fresh enough to show up (VIP owners expire 60 s after their stamp).
// The config files are checked in test/node/cli/config-file.test.ts.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decode, decodeBatch } from "../../src/gossip/index.ts";
import { repoRoot } from "../helpers/gossamer-proc.ts";

const example = (f: string) => readFileSync(path.join(repoRoot, "examples", f), "utf8");

describe("examples/", () => {
  it("envelopes.json: a batch of four types, each with the current V", () => {
    const batch = decodeBatch(example("envelopes.json"));
    expect(batch.map((m) => m.type).sort()).toEqual([1, 2, 3, 5]);
    for (const m of batch) {
      expect(m.schema, `type ${m.type}`).toBe("current");
      expect(m.mismatches).toEqual([]);
    }
  });

  it("subnet-route.json: one subnet route with the current V", () => {
    const m = decode(example("subnet-route.json"));
    expect(m.type).toBe(5);
    expect(m.schema).toBe("current");
  });

  it("vip-heartbeat.sh: a VIP heartbeat with the current V, stamped now", () => {
    const before = Math.floor(Date.now() / 1000);
    const out = execFileSync("sh", [path.join(repoRoot, "examples/vip-heartbeat.sh")], { encoding: "utf8" });
    const after = Math.ceil(Date.now() / 1000);
    const m = decode(out.trim());
    expect(m.type).toBe(4);
    expect(m.schema).toBe("current");
    const ts = (m.payload as { timestamp: number }).timestamp;
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(after);
  });
});
