// A `gossamer agent` process inside a REAL Debian `serf agent` cluster (serf 0.9.4 on memberlist 0.2.2):
// it shows as alive with its tags in `serf members`, sees Serf's tags itself, and on SIGTERM leaves
// gracefully so Serf lists it as `left` (not `failed`). Also pins our Serf tag meta bytes to what Go's
// go-msgpack writes for the same tags. The agent runs with --serf; without it (plain memberlist, the
// default) a join is refused and the agent logs one line naming --serf.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentProc, GoPeer, JsonProc, buildGoPeer, freePort, killAll, requireSerf, serfMembers, waitFor } from "./harness.ts";
import { encodeSerfTags } from "../../src/memberlist/serf.ts";
import { quietPeriod } from "../helpers/wait.ts";

let serfPort = 0;
let rpc = "";
let serfProc: ReturnType<typeof spawn> | undefined;
let serfLog = "";

beforeAll(async () => {
  requireSerf();
  buildGoPeer();
  serfPort = await freePort();
  const rpcPort = await freePort();
  rpc = `127.0.0.1:${rpcPort}`;
  serfProc = spawn("serf", ["agent", "-node", "serf-1", `-bind=127.0.0.1:${serfPort}`, `-rpc-addr=${rpc}`, "-profile", "local", "-tag", "role=serf", "-log-level", "debug"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  serfProc.stdout!.on("data", (d: Buffer) => (serfLog = (serfLog + d.toString()).slice(-200_000)));
  serfProc.stderr!.on("data", (d: Buffer) => (serfLog = (serfLog + d.toString()).slice(-200_000)));
  await waitFor("serf agent answering RPC", 15_000, () => serfMembers(rpc).some((m) => m.name === "serf-1" && m.status === "alive"));
});

afterAll(async () => {
  await killAll();
  if (serfProc && serfProc.exitCode === null) {
    const done = new Promise<void>((r) => serfProc!.once("exit", () => r()));
    serfProc.kill("SIGKILL");
    await done;
  }
});

describe("gossamer agent in a serf cluster", () => {
  it("our Serf tag meta is byte-identical to what Go's go-msgpack encodes", async () => {
    const go = await GoPeer.start("serf-go", ["-dv", "2,5,4", "-serftags", "role=go-peer", "-join", `127.0.0.1:${serfPort}`]);
    const self = await waitFor("go peer lists itself", 10_000, () => go.members().find((m) => m.name === "serf-go"));
    expect(self.meta).toBe(Buffer.from(encodeSerfTags({ role: "go-peer" })).toString("hex"));
    await waitFor("serf lists the go peer with its tags", 10_000, () =>
      serfMembers(rpc).some((m) => m.name === "serf-go" && m.status === "alive" && m.tags["role"] === "go-peer"),
    );
  });

  let agent: AgentProc;

  it("without --serf, the join is refused and one log line names --serf", async () => {
    const plain = new AgentProc("ts-plain", ["--bind", "127.0.0.1:0", "--join", `127.0.0.1:${serfPort}`, "--profile", "local"]);
    const line = await plain.waitLine("version hint", 15_000, (l) => String(l["msg"]).includes("--serf"));
    expect(line["msg"]).toContain("start the agent with --serf");
    expect(String(line["err"])).toMatch(/delegate protocol version/);
    expect(plain.lines.filter((l) => String(l["msg"]).includes("--serf"))).toHaveLength(1);
    await plain.kill();
  });

  it("joins, and `serf members` shows it alive with its tags", async () => {
    agent = await new AgentProc("ts-serf", [
      "--serf",
      "--bind", "127.0.0.1:0",
      "--join", `127.0.0.1:${serfPort}`,
      "--profile", "local",
      "--tag", "role=gossamer",
      "--tag", "zone=z1",
      "--http", "127.0.0.1:0",
    ]).running(15_000);
    const m = await waitFor("serf lists ts-serf alive", 15_000, () => serfMembers(rpc).find((x) => x.name === "ts-serf" && x.status === "alive"));
    expect(m.tags).toEqual({ role: "gossamer", zone: "z1" });
    expect(m.addr).toBe(`127.0.0.1:${agent.port}`);
    // And we see Serf (and the Go peer) with their tags over our admin API.
    const ours = await waitFor("our /v1/members lists serf-1 alive", 10_000, async () => (await agent.members()).find((x) => x.name === "serf-1" && x.state === "alive"));
    expect(ours.tags).toEqual({ role: "serf" });
    expect(ours.delegate.cur).toBe(5);
    const self = (await agent.members()).find((x) => x.name === "ts-serf")!;
    expect(self.delegate).toEqual({ min: 2, max: 5, cur: 4 });
    expect(self.tags).toEqual({ role: "gossamer", zone: "z1" });
  });

  it("stays alive across Serf's probes", async () => {
    // The subject is a span of time: over several probe rounds of the local profile (1 s each) Serf
    // must not suspect us. We answer its probes meanwhile (counted), and stay alive.
    const pings = () => agent.metric("gossamer_memberlist_messages_received_total", { type: "ping" });
    const before = await pings();
    await quietPeriod(4_000, "no suspicion of ts-serf during four probe rounds");
    // Two probers (serf-1, serf-go) each reach us about once per 2 s round, in shuffled order: four
    // seconds usually bring 3-4 pings but may bring 2, so the count is awaited, not read at a fixed time.
    await waitFor("three probes answered", 20_000, async () => (await pings()) >= before + 3);
    expect(serfMembers(rpc).find((x) => x.name === "ts-serf")?.status).toBe("alive");
    expect(serfLog).not.toMatch(/panic/);
  });

  it("leaves gracefully on SIGTERM and shows as `left`", async () => {
    agent.proc.kill("SIGTERM");
    expect(await agent.exited(15_000)).toBe(0);
    expect(agent.lines.some((l) => l["msg"] === "left cluster")).toBe(true);
    await waitFor("serf shows ts-serf left", 15_000, () => serfMembers(rpc).find((x) => x.name === "ts-serf")?.status === "left");
  });

  it("a killed agent shows as `failed`", async () => {
    const a2: JsonProc = await new AgentProc("ts-serf-2", ["--serf", "--bind", "127.0.0.1:0", "--join", `127.0.0.1:${serfPort}`, "--profile", "local"]).running(15_000);
    await waitFor("serf lists ts-serf-2 alive", 15_000, () => serfMembers(rpc).some((x) => x.name === "ts-serf-2" && x.status === "alive"));
    await a2.kill("SIGKILL");
    await waitFor("serf shows ts-serf-2 failed", 40_000, () => serfMembers(rpc).find((x) => x.name === "ts-serf-2")?.status === "failed");
    expect(serfProc!.exitCode).toBeNull();
  });
});

describe("gossamer agent in an encrypted serf cluster", () => {
  it("joins a `serf agent -encrypt KEY` with the same --encrypt key; a wrong key is refused", async () => {
    const key = randomBytes(32).toString("base64");
    const port = await freePort();
    const rpcEnc = `127.0.0.1:${await freePort()}`;
    const enc = spawn("serf", ["agent", "-node", "serf-enc", `-bind=127.0.0.1:${port}`, `-rpc-addr=${rpcEnc}`, "-profile", "local", "-encrypt", key], { stdio: "ignore" });
    try {
      await waitFor("encrypted serf agent up", 15_000, () => serfMembers(rpcEnc).some((m) => m.name === "serf-enc"));
      const good = await new AgentProc("ts-enc", ["--serf", "--bind", "127.0.0.1:0", "--join", `127.0.0.1:${port}`, "--profile", "local", "--encrypt", key, "--tag", "enc=yes"]).running(15_000);
      await waitFor("serf lists ts-enc alive", 15_000, () => serfMembers(rpcEnc).some((m) => m.name === "ts-enc" && m.status === "alive" && m.tags["enc"] === "yes"));
      const bad = await new AgentProc("ts-badkey", ["--serf", "--bind", "127.0.0.1:0", "--join", `127.0.0.1:${port}`, "--profile", "local", "--encrypt", randomBytes(32).toString("base64")]).running(15_000);
      expect(bad.lines.some((l) => l["msg"] === "join failed")).toBe(true);
      // An absence: in this time a wrongly keyed member would have shown up in Serf's list.
      await quietPeriod(1_000, "the wrongly keyed agent must not appear in serf members");
      expect(serfMembers(rpcEnc).some((m) => m.name === "ts-badkey")).toBe(false);
      expect(enc.exitCode).toBeNull();
      expect(good.alive && bad.alive).toBe(true);
    } finally {
      enc.kill("SIGKILL");
    }
  });
});
