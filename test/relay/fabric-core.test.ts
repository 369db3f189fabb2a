// The transport-free fabric core on in-memory streams and a simulated clock: lookup (early completion at
// the first I_HAVE, "no owner" at once without streams, the 200 ms window when nobody answers, one
// lookup per peer with queued packets), the locate cache (TTL, seqno rule, invalidation on send
// failure), de-duplication of crossed streams, and PRESENCE (cross-pod online/offline, moved peers,
// pod loss). The same core runs over TCP in test/node/relay-cluster*.test.ts.
import { describe, expect, it } from "vitest";
import { encodeFrame, FrameReader } from "../../src/relay/fabric/codec.ts";
import { ClusterFabric } from "../../src/relay/fabric/fabric.ts";
import type { FabricRelay, FabricStream } from "../../src/relay/fabric/fabric.ts";
import { LocateCache } from "../../src/relay/fabric/locate-cache.ts";
import { encodeTransport } from "../../src/relay/codec.ts";
import { RelayForwardError } from "../../src/relay/errors.ts";
import { peerIdFromPublicKey, peerIdToString } from "../../src/relay/peer-id.ts";
import type { PeerIdString } from "../../src/relay/peer-id.ts";
import { SimClock } from "../../src/util/sim-clock.ts";
import { nullLogger } from "../../src/util/logger.ts";
import { drainEventLoop, waitUntil, withTimeout } from "../helpers/wait.ts";

class FakeRelay implements FabricRelay {
  local = new Set<PeerIdString>();
  delivered: Array<[PeerIdString, Uint8Array]> = [];
  online: PeerIdString[] = [];
  offline: PeerIdString[] = [];
  has(id: PeerIdString) {
    return this.local.has(id);
  }
  peerIds() {
    return [...this.local];
  }
  deliverForwarded(dst: PeerIdString, m: Uint8Array) {
    if (!this.local.has(dst)) return false;
    this.delivered.push([dst, m]);
    return true;
  }
  notifyRemoteOnline(ids: Iterable<PeerIdString>) {
    this.online.push(...ids);
  }
  notifyRemoteOffline(ids: Iterable<PeerIdString>) {
    this.offline.push(...ids);
  }
  evicted: PeerIdString[] = [];
  evict(id: PeerIdString) {
    if (!this.local.delete(id)) return false;
    this.evicted.push(id);
    return true;
  }
}

interface Pod {
  f: ClusterFabric;
  r: FakeRelay;
}

class MemStream implements FabricStream {
  other!: MemStream;
  owner: Pod;
  addr: string;
  dialed: boolean;
  up = true;
  failSends = false;
  reader = new FrameReader();
  sent = 0;
  constructor(owner: Pod, addr: string, dialed: boolean) {
    this.owner = owner;
    this.addr = addr;
    this.dialed = dialed;
  }
  send(frame: Uint8Array): boolean {
    if (!this.up || this.failSends) return false;
    this.sent++;
    const to = this.other;
    queueMicrotask(() => {
      if (to.up) for (const fr of to.reader.push(frame)) to.owner.f.onFrame(to, fr);
    });
    return true;
  }
  close(): void {
    if (!this.up) return;
    this.up = false;
    this.other.up = false;
    this.owner.f.removeStream(this);
    this.other.owner.f.removeStream(this.other);
  }
}

function pod(clock: SimClock, self: string): Pod {
  const r = new FakeRelay();
  const f = new ClusterFabric({ self, clock, logger: nullLogger });
  f.attach(r);
  return { f, r };
}

/** Connects a (dialer) to b; returns a's end. */
function link(a: Pod, b: Pod): MemStream {
  const x = new MemStream(a, b.f.self, true);
  const y = new MemStream(b, a.f.self, false);
  x.other = y;
  y.other = x;
  const okA = a.f.addStream(x);
  const okB = b.f.addStream(y);
  if (!okA) x.up = false;
  if (!okB) y.up = false;
  return x;
}

const ids = async (...names: string[]) => Promise.all(names.map(async (n) => peerIdToString(await peerIdFromPublicKey(n))));

describe("fabric core", () => {
  it("without streams, locate answers 'no owner' at once and forwards are counted drops", async () => {
    const clock = new SimClock();
    const a = pod(clock, "a:1");
    const [x] = await ids("x");
    expect(await a.f.locate(x!)).toBe(null);
    expect(() => a.f.forward(x!, encodeTransport(new Uint8Array(36), new Uint8Array(1)))).toThrow(RelayForwardError);
    expect(a.f.stats.forwards.peer_not_found).toBe(1);
  });

  it("a lookup completes at the first I_HAVE; queued packets then go out in order", async () => {
    const clock = new SimClock();
    const [a, b, c] = [pod(clock, "a:1"), pod(clock, "b:1"), pod(clock, "c:1")];
    link(a, b);
    link(a, c);
    const [x] = await ids("x");
    c.r.local.add(x!);
    const src = await peerIdFromPublicKey("src");
    const sent: Promise<void>[] = [];
    for (let i = 0; i < 3; i++) sent.push(a.f.forward(x!, encodeTransport(src, new Uint8Array([i]))) as Promise<void>);
    // No simulated time passes: only c's answer can complete the lookup (not the 200 ms window).
    await withTimeout(Promise.all(sent), "the lookup to complete at c's I_HAVE");
    expect(clock.now()).toBe(0);
    expect(c.r.delivered.map(([, m]) => m[38])).toEqual([0, 1, 2]);
    expect(a.f.stats.lookups).toBe(1);
    expect(a.f.cache.get(x!)).toBe("c:1");
  });

  it("when nobody answers, the lookup ends after the 200 ms window and packets are dropped as peer_not_found", async () => {
    const clock = new SimClock();
    const [a, b] = [pod(clock, "a:1"), pod(clock, "b:1")];
    link(a, b);
    const [x] = await ids("nobody");
    const p = a.f.forward(x!, encodeTransport(new Uint8Array(36), new Uint8Array(0))) as Promise<void>;
    const where = a.f.locate(x!);
    let settled = false;
    p.catch(() => {}).finally(() => (settled = true));
    await clock.advance(199);
    expect(settled).toBe(false);
    await clock.advance(1);
    await expect(p).rejects.toMatchObject({ reason: "peer_not_found" });
    expect(await where).toBe(null);
    expect(a.f.stats.lookups).toBe(1); // one lookup for both
  });

  it("bounds packets waiting for one lookup", async () => {
    const clock = new SimClock();
    const [a, b] = [pod(clock, "a:1"), pod(clock, "b:1")];
    link(a, b);
    const [x] = await ids("slow");
    const ps: Array<void | Promise<void>> = [];
    let overflow = 0;
    for (let i = 0; i < 70; i++) {
      try {
        const r = a.f.forward(x!, encodeTransport(new Uint8Array(36), new Uint8Array(0)));
        if (r) r.catch(() => {});
        ps.push(r);
      } catch (e) {
        expect((e as RelayForwardError).reason).toBe("backpressure");
        overflow++;
      }
    }
    expect(overflow).toBe(6);
    await clock.advance(200);
  });

  it("the cache keeps the higher seqno across pods and expires after 5 min", async () => {
    const clock = new SimClock();
    const cache = new LocateCache(clock);
    expect(cache.offer("p", "b:1", 10)).toBe(true);
    expect(cache.offer("p", "c:1", 9)).toBe(false); // lower seqno from another pod
    expect(cache.offer("p", "b:1", 1)).toBe(true); // the same pod always refreshes
    expect(cache.offer("p", "c:1", 2)).toBe(true);
    expect(cache.get("p")).toBe("c:1");
    await clock.advance(5 * 60_000 - 1);
    expect(cache.get("p")).toBe("c:1");
    await clock.advance(1);
    expect(cache.get("p")).toBe(null);
  });

  it("a failed send invalidates the cache entry and counts send_error", async () => {
    const clock = new SimClock();
    const [a, b] = [pod(clock, "a:1"), pod(clock, "b:1")];
    const s = link(a, b);
    const [x] = await ids("x");
    b.r.local.add(x!);
    expect(await a.f.locate(x!)).toBe("b:1");
    s.failSends = true;
    expect(() => a.f.forward(x!, encodeTransport(new Uint8Array(36), new Uint8Array(0)))).toThrow(RelayForwardError);
    expect(a.f.stats.forwards.send_error).toBe(1);
    expect(a.f.cache.get(x!)).toBe(null);
  });

  it("crossed dials: both pods keep the stream dialled by the smaller address", () => {
    const clock = new SimClock();
    const [a, b] = [pod(clock, "a:1"), pod(clock, "b:1")];
    const ab = link(a, b); // a dials b
    const ba = link(b, a); // b dials a
    // "a:1" < "b:1": the stream a dialled survives on both sides.
    expect(ab.up && ab.other.up).toBe(true);
    expect(a.f.streamCount).toBe(1);
    expect(b.f.streamCount).toBe(1);
    ba.close();
    expect(a.f.streamCount + b.f.streamCount).toBe(2);
  });

  it("PRESENCE: remote online/offline reach subscribers; a moved peer is not reported offline; pod loss reports its peers offline", async () => {
    const clock = new SimClock();
    const [a, b, c] = [pod(clock, "a:1"), pod(clock, "b:1"), pod(clock, "c:1")];
    const [x, y] = await ids("x", "y");
    b.r.local.add(y!);
    const sb = link(a, b); // full list of b's peers on stream up
    link(a, c);
    await waitUntil("b's snapshot at a", () => a.r.online.length === 1);
    expect(a.r.online).toEqual([y]);
    b.r.local.add(x!);
    b.f.hooks.onPeerOnline!(x!);
    await waitUntil("b's live online at a", () => a.r.online.length === 2);
    expect(a.r.online).toEqual([y, x]);
    expect(a.f.cache.get(x!)).toBe("b:1");
    // x reconnects through c; c's online arrives before b's offline: no offline at a.
    c.r.local.add(x!);
    c.f.hooks.onPeerOnline!(x!);
    await waitUntil("c's online at a", () => a.f.cache.get(x!) === "c:1");
    b.r.local.delete(x!);
    b.f.hooks.onPeerOffline!(x!);
    await drainEventLoop(); // an absence: b's late offline for x must not reach a's subscribers
    expect(a.r.offline).toEqual([]);
    expect(a.f.cache.get(x!)).toBe("c:1");
    // b dies: y (announced by b) goes offline at a; x (on c) does not.
    sb.close();
    expect(a.r.offline).toEqual([y]);
    // a frame of an unknown type is skipped
    c.f.onFrame([...(c.f as unknown as { recs: Map<FabricStream, unknown> }).recs.keys()][0]!, { type: 0x55, payload: encodeFrame(0x55).subarray(3) });
    expect(c.f.stats.unknownFrames).toBe(1);
  });

  it("a live online for a peer connected here evicts the local connection; a stream-up snapshot does not", async () => {
    const clock = new SimClock();
    const [a, b] = [pod(clock, "a:1"), pod(clock, "b:1")];
    const [x, y] = await ids("x", "y");
    a.r.local.add(x!);
    b.r.local.add(x!); // both think x is theirs (b's connection is older, not yet noticed as dead)
    link(a, b);
    await drainEventLoop(); // an absence: the stream-up snapshots evict nobody
    expect(a.r.evicted).toEqual([]);
    expect(b.r.evicted).toEqual([]);
    a.r.local.add(y!);
    b.r.local.add(y!);
    a.f.hooks.onPeerOnline!(y!); // y just (re)connected at a
    await waitUntil("the eviction at b", () => b.r.evicted.length === 1);
    expect(b.r.evicted).toEqual([y]);
    expect(b.f.stats.evictions).toBe(1);
    expect(a.r.evicted).toEqual([]);
  });
});
