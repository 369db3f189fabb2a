// `gossamer relay` with the cluster fabric as REAL child processes: flag/env parsing, two relays joined
// by --cluster-peers and --cluster-auth-secret exchanging packets between their peers, and a relay
// killed with SIGKILL: the survivor drops the stream, reports the lost peer offline to subscribers, and
// drops (and counts) packets to it without affecting the sender.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { issueToken } from "../../src/relay/auth.ts";
import { RelayClient } from "../../src/relay/client.ts";
import { peerIdFromPublicKey, peerIdToString } from "../../src/relay/peer-id.ts";
import { parseRelayFlags, UsageError } from "../../src/node/cli/relay.ts";
import { connectWs, sample, until } from "./relay-cluster-harness.ts";

const bin = fileURLToPath(new URL("../../bin/gossamer.js", import.meta.url));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
});

describe("gossamer relay cluster flags", () => {
  it("parses the cluster flags and their env mirrors", () => {
    expect(parseRelayFlags(["--auth-secret", "s"], {}).cluster).toBeUndefined();
    expect(
      parseRelayFlags(["--auth-secret", "s", "--cluster-listen", "127.0.0.1:7091", "--cluster-peers", "10.0.0.2:7090,10.0.0.3:7090", "--cluster-peers", "10.0.0.4:7090", "--cluster-auth-secret", "k"], {}).cluster,
    ).toEqual({ listen: "127.0.0.1:7091", peers: ["10.0.0.2:7090", "10.0.0.3:7090", "10.0.0.4:7090"], secret: "k" });
    expect(
      parseRelayFlags([], {
        GOSSAMER_AUTH_SECRET: "s",
        GOSSAMER_CLUSTER_PEERS: "a:1, b:2",
        GOSSAMER_POD_ADDRESS: "10.1.1.1:7090",
        OZ_CLUSTER_AUTH_SECRET: "oz",
        OZ_CLUSTER_HEADLESS: "relay-headless.ns.svc",
        GOSSAMER_CLUSTER_PORT: "7090",
      }).cluster,
    ).toEqual({ listen: "127.0.0.1:7090", peers: ["a:1", "b:2"], announce: "10.1.1.1:7090", secret: "oz", headless: "relay-headless.ns.svc", clusterPort: 7090 });
    // Loopback unless told otherwise; a wildcard bind needs the announced address.
    expect(parseRelayFlags(["--auth-secret", "s", "--cluster-peers", "a:1", "--cluster-auth-secret", "k"], {}).cluster?.listen).toBe("127.0.0.1:7090");
    expect(() => parseRelayFlags(["--auth-secret", "s", "--cluster-listen", "0.0.0.0:7090", "--cluster-auth-secret", "k"], {})).toThrow(/pod-address/);
    // No secret: refused unless --cluster-insecure says so.
    expect(() => parseRelayFlags(["--auth-secret", "s", "--cluster-listen", "127.0.0.1:7091"], {})).toThrow(/--cluster-auth-secret is required.*--cluster-insecure/);
    expect(parseRelayFlags(["--auth-secret", "s", "--cluster-listen", "127.0.0.1:7091", "--cluster-insecure"], {}).cluster).toEqual({ listen: "127.0.0.1:7091", peers: [], insecure: true });
    expect(parseRelayFlags([], { GOSSAMER_AUTH_SECRET: "s", GOSSAMER_CLUSTER_LISTEN: "127.0.0.1:7091", GOSSAMER_CLUSTER_INSECURE: "1" }).cluster?.insecure).toBe(true);
    expect(() => parseRelayFlags(["--auth-secret", "s", "--cluster-listen", "nope"], {})).toThrow(UsageError);
    expect(() => parseRelayFlags(["--auth-secret", "s", "--cluster-listen", "127.0.0.1:1", "--cluster-peers", "x:99999"], {})).toThrow(UsageError);
  });
});

interface Proc {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  relayAddr: string;
  clusterAddr: string;
}

async function startRelay(args: string[]): Promise<Proc> {
  const child = spawn(process.execPath, [bin, "relay", "--listen", "127.0.0.1:0", "--auth-secret", "cli-secret", "--cluster-listen", "127.0.0.1:0", "--cluster-auth-secret", "cli-cluster", ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const lines: Array<Record<string, unknown>> = [];
  const rl = createInterface({ input: child.stdout! });
  let relayAddr = "";
  let clusterAddr = "";
  await new Promise<void>((resolve, reject) => {
    rl.on("line", (l) => {
      const rec = JSON.parse(l) as Record<string, unknown>;
      lines.push(rec);
      if (rec.msg === "relay listening") relayAddr = String(rec.listen);
      if (rec.msg === "cluster listening") clusterAddr = String(rec.announce);
      if (relayAddr && clusterAddr) resolve();
    });
    child.once("exit", (code) => reject(new Error(`relay exited early (${code})`)));
  });
  return { child, lines, relayAddr, clusterAddr };
}

describe("gossamer relay cluster processes", () => {
  it("two processes act as one relay; a killed one is detected, its peers reported offline, packets to them dropped", async () => {
    const A = await startRelay([]);
    const B = await startRelay(["--cluster-peers", A.clusterAddr]);
    await until("streams up", () => [A, B].every((p) => p.lines.some((l) => l.msg === "cluster stream up")));
    const peer = async (p: Proc, name: string) => {
      const c = await RelayClient.connect(await connectWs(`ws://${p.relayAddr}/relay`), {
        peerId: await peerIdFromPublicKey(name),
        token: await issueToken("cli-secret"),
        serverSilenceMs: false,
      });
      const log: string[] = [];
      c.onMessage((from, payload) => log.push(`msg:${peerIdToString(from.slice())}:${new TextDecoder().decode(payload)}`));
      c.onPeersOnline((ids) => log.push(...ids.map((i) => `on:${i}`)));
      c.onPeersOffline((ids) => log.push(...ids.map((i) => `off:${i}`)));
      return { c, log, key: c.peerIdString };
    };
    const a = await peer(A, "cli-cluster-a");
    const a2 = await peer(A, "cli-cluster-a2");
    const b = await peer(B, "cli-cluster-b");
    a.c.subscribe([b.key]);
    await until("b online at a", () => a.log.includes(`on:${b.key}`));
    a.c.send(b.key, new TextEncoder().encode("across processes"));
    await until("b receives", () => b.log.includes(`msg:${a.key}:across processes`));
    b.c.send(a.key, new TextEncoder().encode("and back"));
    await until("a receives", () => a.log.includes(`msg:${b.key}:and back`));

    B.child.kill("SIGKILL");
    await until("b offline at a", () => a.log.includes(`off:${b.key}`));
    for (let i = 0; i < 3; i++) a.c.send(b.key, new TextEncoder().encode("lost"));
    a.c.send(a2.key, new TextEncoder().encode("local still fine"));
    await until("local delivery", () => a2.log.includes(`msg:${a.key}:local still fine`));
    const metricsOf = async () => (await fetch(`http://${A.relayAddr}/metrics`)).text();
    await until("drops counted", async () => sample(await metricsOf(), `relay_dropped_packets_total{reason="peer_not_found"}`) >= 3);
    const m = await metricsOf();
    expect(sample(m, "relay_cluster_streams")).toBe(0);
    expect(sample(m, `relay_cluster_forwards_total{result="ok"}`)).toBeGreaterThanOrEqual(1);
    expect(a.c.isOpen).toBe(true);
    expect(A.lines.some((l) => l.msg === "cluster stream down")).toBe(true);

    const exited = new Promise<number | null>((r) => A.child.once("exit", (code) => r(code)));
    A.child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 30_000);
});
