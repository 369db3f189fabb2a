// Stream admission rules (src/node/stream-admission.ts) on plain records: allowed CIDRs, the per-source
// cap, eviction of the oldest silent connection when full, the first-byte deadline, bookkeeping on close.
import { describe, expect, it } from "vitest";
import { StreamAdmission } from "../../src/node/stream-admission.ts";

const conn = (source: string) => {
  const c = { source, destroyed: false, destroy: () => (c.destroyed = true) };
  return c;
};

describe("StreamAdmission", () => {
  it("refuses sources outside the allowed networks and past the per-source cap", () => {
    const a = new StreamAdmission({ maxStreams: 10, perSource: 2 });
    expect(a.admit(conn("10.0.0.1"), false)).toBe("cidr");
    const x = conn("127.0.0.2");
    expect(a.admit(x, true)).toBeNull();
    expect(a.admit(conn("127.0.0.2"), true)).toBeNull();
    expect(a.admit(conn("127.0.0.2"), true)).toBe("per_source");
    expect(a.admit(conn("127.0.0.1"), true)).toBeNull(); // another source is unaffected
    a.closed(x);
    a.closed(x); // idempotent
    expect(a.heldBy("127.0.0.2")).toBe(1);
    expect(a.admit(conn("127.0.0.2"), true)).toBeNull();
    expect(a.stats()).toMatchObject({ open: 3, accepted: 4, refused: { cidr: 1, per_source: 1, capacity: 0 } });
  });

  it("when full, evicts the oldest connection that has not spoken; refuses when all have spoken", () => {
    const a = new StreamAdmission({ maxStreams: 3, perSource: 10 });
    const [s1, s2, s3] = [conn("a"), conn("b"), conn("c")];
    for (const c of [s1, s2, s3]) expect(a.admit(c, true)).toBeNull();
    a.spoke(s1);
    const s4 = conn("d");
    expect(a.admit(s4, true)).toBeNull();
    expect(s2.destroyed).toBe(true); // oldest silent, not s1 (it spoke)
    expect(s1.destroyed).toBe(false);
    a.spoke(s3);
    a.spoke(s4);
    expect(a.admit(conn("e"), true)).toBe("capacity");
    expect(a.stats()).toMatchObject({ open: 3, silent: 0, evictedSilent: 1, refused: { capacity: 1 } });
    expect(a.heldBy("b")).toBe(0);
  });

  it("the first-byte deadline counts only connections still silent", () => {
    const a = new StreamAdmission();
    expect(a.o).toEqual({ maxStreams: 256, perSource: 16, firstByteMs: 2000 });
    const quiet = conn("q");
    const talker = conn("t");
    a.admit(quiet, true);
    a.admit(talker, true);
    a.spoke(talker);
    a.spoke(talker);
    expect(a.firstByteDeadline(talker)).toBe(false);
    expect(a.firstByteDeadline(quiet)).toBe(true);
    a.closed(quiet);
    expect(a.firstByteDeadline(quiet)).toBe(false);
    expect(a.stats()).toMatchObject({ firstByteTimeouts: 1, open: 1, silent: 0 });
  });
});
