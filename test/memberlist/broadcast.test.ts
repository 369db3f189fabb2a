// TransmitLimitedQueue: retransmit limits (docs/protocols/memberlist.md §10.5 examples), ordering, invalidation.
import { describe, expect, it } from "vitest";
import { TransmitLimitedQueue, retransmitLimit } from "../../src/memberlist/broadcast.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("retransmitLimit", () => {
  it("matches the documented LAN and Local examples", () => {
    for (let n = 1; n <= 9; n++) expect(retransmitLimit(4, n)).toBe(4);
    for (const n of [10, 50, 99]) expect(retransmitLimit(4, n)).toBe(8);
    for (const n of [100, 500, 999]) expect(retransmitLimit(4, n)).toBe(12);
    expect(retransmitLimit(2, 5)).toBe(2);
    // memberlist util_test TestUtil_RetransmitLimit
    expect(retransmitLimit(3, 0)).toBe(0);
    expect(retransmitLimit(3, 1)).toBe(3);
    expect(retransmitLimit(3, 99)).toBe(6);
  });
});

describe("TransmitLimitedQueue", () => {
  it("hands each message out exactly the retransmit limit times, then finishes it", () => {
    const q = new TransmitLimitedQueue(() => 5, 4); // limit 4
    let finished = 0;
    q.queue(bytes("a"), "a", () => finished++);
    let sent = 0;
    for (let i = 0; i < 10; i++) sent += q.getBroadcasts(2, 1400).length;
    expect(sent).toBe(4);
    expect(finished).toBe(1);
    expect(q.numQueued()).toBe(0);
  });

  it("prefers fewer transmits, then larger, then newer; respects the byte limit", () => {
    const q = new TransmitLimitedQueue(() => 10, 4);
    q.queue(bytes("xx"), "old-big");
    q.getBroadcasts(2, 100); // old-big now has 1 transmit
    q.queue(bytes("y"), "small");
    q.queue(bytes("zzz"), "big");
    q.queue(bytes("w"), "small2");
    const out = q.getBroadcasts(2, 100).map(text);
    expect(out).toEqual(["zzz", "w", "y", "xx"]);
    // Limit: only 3 + 2 bytes fit in 5 (overhead 2 each): "zzz" (5 bytes).
    const q2 = new TransmitLimitedQueue(() => 10, 4);
    q2.queue(bytes("zzz"), "a");
    q2.queue(bytes("yy"), "b");
    expect(q2.getBroadcasts(2, 5).map(text)).toEqual(["zzz"]);
    expect(q2.getBroadcasts(2, 5).map(text)).toEqual(["yy"]);
  });

  it("a named broadcast replaces a queued one with the same name", () => {
    const q = new TransmitLimitedQueue(() => 3, 4);
    let finishedOld = false;
    q.queue(bytes("v1"), "node-a", () => (finishedOld = true));
    q.queue(bytes("v2"), "node-a");
    q.queue(bytes("other"), "node-b");
    expect(finishedOld).toBe(true);
    expect(q.numQueued()).toBe(2);
    expect(q.getBroadcasts(2, 1400).map(text).sort()).toEqual(["other", "v2"]);
  });

  it("custom invalidation and unique broadcasts", () => {
    const q = new TransmitLimitedQueue(() => 3, 4);
    q.queueBroadcast({ message: () => bytes("k1=1") });
    q.queueBroadcast({ message: () => bytes("k2=1"), unique: true });
    q.queueBroadcast({ message: () => bytes("k1=2"), invalidates: (o) => text(o.message()).startsWith("k1=") });
    expect(q.getBroadcasts(0, 1400).map(text).sort()).toEqual(["k1=2", "k2=1"]);
  });

  it("prune keeps the least transmitted", () => {
    const q = new TransmitLimitedQueue(() => 3, 4);
    q.queue(bytes("a"), "a");
    q.getBroadcasts(0, 1400);
    q.queue(bytes("b"), "b");
    q.prune(1);
    expect(q.getBroadcasts(0, 1400).map(text)).toEqual(["b"]);
  });
});
