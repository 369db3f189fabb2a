// The portable ckit port inside workerd (no Node APIs): State messages and push/pull state byte-exact
// with the recorded vectors, every recorded shard lookup on the Wasm hot path bundled for Workers, the
// gossiphttp frame reader on the recorded bodies, and two ckit nodes converging on an in-memory network.
import { describe, expect, it } from "vitest";
import vectors from "../ckit/ckit-golden.json";
import {
  CkitNode,
  decodeMessage,
  encodeLocalState,
  encodeStateMessage,
  FrameReader,
  multiprobe,
  parseState,
  rendezvous,
  ring,
  ShardError,
  type Sharder,
} from "../../src/ckit/index.ts";
import { simPlatform } from "../../src/platform/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { SimClock } from "../../src/util/sim-clock.ts";
import { hotpathModule } from "../../worker/hotpath.ts";

const hex = (s: string) => new Uint8Array((s.match(/../g) ?? []).map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const platform = simPlatform({ wasm: hotpathModule() });

describe("ckit in workerd", () => {
  it("encodes and decodes the recorded State messages and local states", () => {
    for (const v of vectors.gossipMessages.stateMessages) {
      const s = { nodeName: v.nodeName, newState: v.state, time: BigInt(v.time) };
      expect(toHex(encodeStateMessage(s))).toBe(v.hex);
      expect(decodeMessage(hex(v.hex)).state).toEqual(s);
    }
    for (const sc of vectors.gossipMessages.localState) {
      const ls = {
        currentTime: BigInt(sc.decoded.CurrentTime),
        nodeStates: sc.decoded.NodeStates.map((x) => ({ nodeName: x.NodeName, newState: x.NewState, time: BigInt(x.Time) })),
      };
      expect(toHex(encodeLocalState(ls))).toBe(sc.sortedByNameEncodingHex);
    }
  });

  it("answers every recorded shard lookup on the Wasm hot path", () => {
    const L = vectors.lookups;
    let n = 0;
    for (const c of L.cases) {
      const m = /^Ring\((\d+)\)$/.exec(c.algorithm);
      const s: Sharder = m ? ring(platform, Number(m[1])) : c.algorithm === "Rendezvous()" ? rendezvous(platform) : multiprobe(platform);
      const set = L.nodeSets.find((x) => x.id === c.nodeSet)!;
      s.setPeers(set.peers.map((p) => ({ name: p.name, addr: "", self: false, state: parseState(p.state) })));
      for (const r of c.results) {
        let got: string[] | string;
        try {
          got = s.lookup(BigInt(r.key), r.n, r.op === "Read" ? 0 : 1).map((p) => p.name);
        } catch (err) {
          if (!(err instanceof ShardError)) throw err;
          got = err.message;
        }
        expect(got).toEqual("error" in r && r.error ? r.error : r.owners);
        n++;
      }
    }
    expect(n).toBe(L.counts.mainLookups);
  });

  it("reads the recorded /message bodies", () => {
    for (const h of vectors.gossiphttpFrames.handlerMessage.filter((x) => x.protoMajor === 2 && x.contentType === "application/x.ckit")) {
      const got: string[] = [];
      const r = new FrameReader(platform.hotpath.for("ckit-frames"), (p) => got.push(toHex(p)));
      let ok = true;
      try {
        r.push(hex(h.bodyHex));
        r.end();
      } catch {
        ok = false;
      }
      expect(got).toEqual(h.packets.map((p) => p.hex));
      expect(ok).toBe(h.status === 200);
    }
  });

  it("runs two ckit nodes to agreement on an in-memory network", async () => {
    const clock = new SimClock();
    const p = simPlatform({ clock, wasm: hotpathModule() });
    const net = new MemoryNetwork(clock);
    const a = await CkitNode.create(p, { name: "a", transport: net.transport("10.0.0.1:7946"), metricsLabels: { n: "a" } });
    const b = await CkitNode.create(p, { name: "b", transport: net.transport("10.0.0.2:7946"), metricsLabels: { n: "b" } });
    const j = b.start(["10.0.0.1:7946"]);
    await clock.advance(100);
    expect(await j).toBe(1);
    const changed = a.changeState(1);
    expect(await clock.runUntilTrue(() => b.peers().find((x) => x.name === "a")?.state === 1, 30_000)).toBe(true);
    await clock.advance(5_000);
    await changed;
    const stops = Promise.all([a.stop(), b.stop()]);
    await clock.advance(10_000);
    await stops;
  });
});
