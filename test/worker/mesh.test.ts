// The meshage core is portable: in workerd the gob codec decodes a captured minimega stream (alpha's
// handshake, type definitions and first MSA, from test/mesh/vectors/s1a) and re-encodes it byte for
// byte, and a 3-node mesh runs in simulation on the in-memory network (real gob bytes on every link).
import { describe, expect, it } from "vitest";
import { createMeshNode, MemoryMeshNetwork, readMessage, stringBody, type Delivery, type MeshMessage } from "../../src/mesh/index.ts";
import { BOOL, GobStreamDecoder, GobStreamEncoder, STRING, TypeRegistry } from "../../src/mesh/gob/index.ts";
import { encodeMessage } from "../../src/mesh/message-codec.ts";
import { simPlatform } from "../../src/platform/index.ts";
import { SimClock } from "../../src/util/sim-clock.ts";

const ALPHA =
  "080c0005616c70686103020000060c0003322e306bff81030101074d65737361676501ff82000107010a526563697069656e747301ff84000106536f75726365010c000108496e7374616e6365010600010c43757272656e74526f75746501ff8400010249440106000107436f6d6d616e640104000104426f6479011000000016ff83020101085b5d737472696e6701ff8400010c000035ff820205616c70686101f8dc74a3835f5184d5010105616c7068610101010201085b5d737472696e67ff8408000105627261766f00";
const fromHex = (h: string) => Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16)));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

describe("meshage in workerd", () => {
  it("decodes and re-encodes a captured minimega stream", () => {
    const dec = new GobStreamDecoder();
    dec.push(fromHex(ALPHA));
    const hs: (string | boolean)[] = [];
    for (let i = 0; i < 3; i++) {
      const it = dec.next();
      if (it?.kind === "value") hs.push(it.value as string | boolean);
    }
    expect(hs).toEqual(["alpha", false, "2.0"]);
    const msgs: MeshMessage[] = [];
    for (let it = dec.next(readMessage); it; it = dec.next(readMessage)) if (it.kind === "value") msgs.push(it.value);
    expect(msgs).toEqual([{ kind: "msa", source: "alpha", instance: 15885501570277803221n, route: ["alpha"], id: 1n, neighbours: ["bravo"] }]);
    const enc = new GobStreamEncoder(new TypeRegistry());
    const out = [enc.encode(STRING, "alpha"), enc.encode(BOOL, false), enc.encode(STRING, "2.0"), encodeMessage(enc, msgs[0]!)];
    expect(out.map(toHex).join("")).toBe(ALPHA);
  });

  it("runs a 3-node line in simulation and routes a Set through the middle", async () => {
    const clock = new SimClock();
    const net = new MemoryMeshNetwork(clock, { latencyMs: 1 });
    const nodes = await Promise.all(
      ["a", "b", "c"].map(async (name, i) => {
        const n = createMeshNode(simPlatform({ clock, seed: i + 1 }), net.host(name), { name, msaPeriodMs: 1000 });
        await n.start();
        return n;
      }),
    );
    const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    const got: Delivery[] = [];
    a.onMessage((d) => got.push(d));
    const d1 = b.dial("a");
    const d2 = b.dial("c");
    await clock.runUntilTrue(() => c.broadcastRecipients().length === 2 && a.broadcastRecipients().length === 2, 5000, 5);
    expect(await d1).toBe("a");
    expect(await d2).toBe("c");
    const sent = c.set(["a"], stringBody("from c"));
    await clock.runUntilTrue(() => got.length === 1, 1000, 1);
    expect((await sent).recipients).toEqual(["a"]);
    expect(got[0]!.message.route).toEqual(["c", "b", "a"]);
    for (const n of nodes) await n.stop();
  });
});
