// Multi-pool mux (docs/protocols/pool-mux.md §1): several independent memberlist pools, plus a native (un-prefixed)
// memberlist, share ONE UDP+TCP port per node. Real sockets on loopback; pools stay isolated.
import { afterAll, describe, expect, it } from "vitest";
import { Memberlist } from "../../src/memberlist/memberlist.ts";
import { defaultConfig } from "../../src/memberlist/config.ts";
import { createTransport, type NodeTransport } from "../../src/node/transport.ts";
import type { Transport } from "../../src/transport/transport.ts";
import { testPlatform } from "../helpers/platform.ts";
import { waitUntil } from "../helpers/wait.ts";

const transports: NodeTransport[] = [];
const lists: Memberlist[] = [];
afterAll(async () => {
  for (const m of lists) await m.shutdown();
  for (const t of transports) await t.close();
});

async function member(name: string, t: Transport, got: string[]): Promise<Memberlist> {
  const m = await Memberlist.create(
    defaultConfig("local", { name, delegate: { notifyMsg: (b) => void got.push(new TextDecoder().decode(b)) } }),
    { transport: t },
  );
  lists.push(m);
  return m;
}

describe("pools on one port", () => {
  it("keeps pools and the native memberlist isolated while sharing each node's port", async () => {
    const a = await createTransport(testPlatform(), { bind: "127.0.0.1:0" });
    const b = await createTransport(testPlatform(), { bind: "127.0.0.1:0" });
    transports.push(a, b);
    const inbox: Record<string, string[]> = { a1: [], a2: [], an: [], b1: [], b2: [], bn: [] };
    const a1 = await member("a-pool1", a.pool(1), inbox["a1"]!);
    const a2 = await member("a-pool2", a.pool(2), inbox["a2"]!);
    const an = await member("a-native", a, inbox["an"]!);
    const b1 = await member("b-pool1", b.pool(1), inbox["b1"]!);
    const b2 = await member("b-pool2", b.pool(2), inbox["b2"]!);
    const bn = await member("b-native", b, inbox["bn"]!);
    const addrA = `127.0.0.1:${a.bound().port}`;

    expect(await b1.join([addrA])).toBe(1);
    expect(await b2.join([addrA])).toBe(1);
    expect(await bn.join([addrA])).toBe(1);
    const names = (m: Memberlist) => m.members().filter((x) => x.state === "alive").map((x) => x.name).sort();
    await waitUntil(
      "each pool converged",
      () => names(a1).join() === "a-pool1,b-pool1" && names(a2).join() === "a-pool2,b-pool2" && names(an).join() === "a-native,b-native",
      { timeout: 10_000 },
    );
    // Everybody advertises the node's single port.
    for (const m of [a1, a2, an]) expect(m.localMember().port).toBe(a.bound().port);
    expect(names(b1)).toEqual(["a-pool1", "b-pool1"]);
    expect(names(b2)).toEqual(["a-pool2", "b-pool2"]);
    expect(names(bn)).toEqual(["a-native", "b-native"]);

    // Messages stay in their pool, over UDP and TCP.
    b1.sendBestEffort("a-pool1", new TextEncoder().encode("p1-udp"));
    await b2.sendReliable("a-pool2", new TextEncoder().encode("p2-tcp"));
    bn.sendBestEffort("a-native", new TextEncoder().encode("native-udp"));
    await waitUntil("messages delivered", () => inbox["a1"]!.includes("p1-udp") && inbox["a2"]!.includes("p2-tcp") && inbox["an"]!.includes("native-udp"), { timeout: 5_000 });
    expect(inbox["a1"]).toEqual(["p1-udp"]);
    expect(inbox["a2"]).toEqual(["p2-tcp"]);
    expect(inbox["an"]).toEqual(["native-udp"]);
  }, 30_000);
});
