// The peer directory object over RPC: newest registration wins even when registrations arrive out of
// order, unregister only removes its own row, subscriptions report who is online, and a restarted
// shard's rows can be dropped at once. Rows live in SQLite: they survive an evicted directory.
import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const dir = () => env.PEER_DIRECTORY.getByName("dir-test");

describe("PeerDirectory", () => {
  it("keeps the newest connection's shard and tells the caller whom to evict", async () => {
    const d = dir();
    expect(await d.register("sha-p", "shard-0", 1000)).toEqual({ previous: null, superseded: false });
    expect(await d.register("sha-p", "shard-1", 2000)).toEqual({ previous: "shard-0", superseded: false });
    // shard-2's registration is older than shard-1's but arrives late: it is the stale one
    expect(await d.register("sha-p", "shard-2", 1500)).toEqual({ previous: null, superseded: true });
    expect(await d.locate("sha-p")).toBe("shard-1");
    // re-registration on the same shard (local replacement) evicts nobody
    expect(await d.register("sha-p", "shard-1", 3000)).toEqual({ previous: null, superseded: false });
  });

  it("unregisters only the row that still names the caller's shard", async () => {
    const d = dir();
    await d.register("sha-q", "shard-1", 1);
    expect(await d.unregister("sha-q", "shard-0")).toBe(false);
    expect(await d.locate("sha-q")).toBe("shard-1");
    expect(await d.unregister("sha-q", "shard-1")).toBe(true);
    expect(await d.locate("sha-q")).toBeNull();
  });

  it("answers subscriptions with the peers online now, and forgets a restarted shard", async () => {
    const d = dir();
    await d.register("sha-r", "shard-3", 1);
    await d.register("sha-s", "shard-3", 1);
    await d.register("sha-t", "shard-0", 1);
    expect(await d.subscribe("shard-0", ["sha-r", "sha-x", "sha-t"])).toEqual([
      { peer: "sha-r", shard: "shard-3" },
      { peer: "sha-t", shard: "shard-0" },
    ]);
    expect(await d.forgetShard("shard-3")).toBe(2);
    expect(await d.locate("sha-r")).toBeNull();
    expect(await d.locate("sha-t")).toBe("shard-0");
  });

  it("keeps its rows across an eviction (SQLite)", async () => {
    const d = dir();
    await d.register("sha-u", "shard-2", 1);
    await evictDurableObject(d);
    expect(await dir().locate("sha-u")).toBe("shard-2");
  });
});
