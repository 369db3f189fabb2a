// One watch stream from N shard streams (src/edge/watch-merge.ts): one hello after every shard's, frames
// relayed in arrival order with the cursor rewritten into the client's token, bodies untouched; a client
// resuming from any frame's token misses nothing of any shard.
import { describe, expect, it } from "vitest";
import { catchUpFrame, changesFrame, helloFrame, resetFrame } from "../../src/api/index.ts";
import { WatchMerge, frameHead, parseToken } from "../../src/edge/index.ts";
import { makeStore } from "../state/helpers.ts";

const mapping = (id: string, ts: number) => JSON.stringify({ type: 1, payload: { container_id: id, machine_id: "m", timestamp: ts, v: 185 } });

describe("watch merge", () => {
  it("reads the head of every frame the store writes", () => {
    const s = makeStore();
    const r = s.applyBatch(mapping("a", 1));
    expect(frameHead(helloFrame(7))).toMatchObject({ type: "hello", cursor: 7 });
    expect(frameHead(resetFrame(9))).toMatchObject({ type: "reset", cursor: 9 });
    for (const f of ["changes", "envelopes"] as const) expect(frameHead(changesFrame(s, f, r.changes, r.cursor))).toMatchObject({ type: "changes", cursor: r.cursor });
    expect(frameHead("pong")).toBeNull();
  });

  it("holds frames until every shard said hello, then sends one hello and the held frames in order", () => {
    const out: string[] = [];
    const m = new WatchMerge(3, null, (f) => out.push(f));
    m.frame(0, helloFrame(5));
    m.frame(0, `{"type":"changes","cursor":6,"changes":[{"k":1}]}`);
    m.frame(2, helloFrame(9));
    expect(out).toEqual([]);
    m.frame(1, helloFrame(0));
    m.frame(1, `{"type":"changes","cursor":1,"messages":[{"type":1}]}`);
    m.frame(2, resetFrame(9));
    expect(out).toEqual([
      `{"type":"hello","cursor":"3.5.0.9"}`,
      `{"type":"changes","cursor":"3.6.0.9","changes":[{"k":1}]}`,
      `{"type":"changes","cursor":"3.6.1.9","messages":[{"type":1}]}`,
      `{"type":"reset","cursor":"3.6.1.9"}`,
    ]);
    expect(m.cursor).toBe("3.6.1.9");
  });

  it("with ?since, positions start at the client's token (the hello says where the store is)", () => {
    const out: string[] = [];
    const m = new WatchMerge(2, [3, 4], (f) => out.push(f));
    m.frame(1, helloFrame(8));
    m.frame(0, helloFrame(3));
    m.frame(1, `{"type":"changes","cursor":8,"changes":[]}`);
    expect(out).toEqual([`{"type":"hello","cursor":"2.3.8"}`, `{"type":"changes","cursor":"2.3.8","changes":[]}`]);
  });

  it("one shard: frames pass through byte for byte", () => {
    const out: string[] = [];
    const m = new WatchMerge(1, null, (f) => out.push(f));
    const frames = [helloFrame(2), `{"type":"changes","cursor":3,"changes":[{"cursor":3}]}`, resetFrame(4)];
    for (const f of frames) m.frame(0, f);
    expect(out).toEqual(frames);
  });

  it("refuses a frame that is not a watch frame", () => {
    const m = new WatchMerge(2, null, () => undefined);
    expect(() => m.frame(0, "garbage")).toThrow(TypeError);
    m.frame(0, helloFrame(1));
    m.frame(1, helloFrame(1));
    expect(() => m.frame(1, helloFrame(2))).toThrow(TypeError);
  });

  it("a client that resumes from the token of any frame it processed sees every later change of every shard", () => {
    const stores = [makeStore(), makeStore()];
    const frames: string[] = [];
    const m = new WatchMerge(2, null, (f) => frames.push(f));
    stores.forEach((s, i) => m.frame(i, helloFrame(s.cursor)));
    const unsub = stores.map((s, i) => s.subscribe((changes, cursor) => m.frame(i, changesFrame(s, "changes", changes, cursor))));
    for (let t = 1; t <= 6; t++) stores[t % 2]!.applyBatch(mapping(`k${t}`, t));
    unsub.forEach((u) => u());
    // Resume after frame j: deltas since its token hold exactly the keys of the frames after it.
    for (let j = 1; j < frames.length; j++) {
      const token = parseToken(String(JSON.parse(frames[j]!).cursor), 2);
      if (token === "other") throw new Error("unexpected layout");
      const rest = stores.flatMap((s, i) => s.deltas(token[i]!).changes.map((c) => c.key)).sort();
      const later = frames
        .slice(j + 1)
        .flatMap((f) => (JSON.parse(f).changes as { key: string }[]).map((c) => c.key))
        .sort();
      expect(rest).toEqual(later);
    }
    expect(catchUpFrame(stores[0]!, "changes", 0)).toContain('"type":"changes"');
  });
});
