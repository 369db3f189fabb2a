// The sharded store in workerd (STORE_SHARDS = 4): a hard restart of any one shard loses nothing
// acknowledged; route lookups are answered by the isolate with no object call while its table is fresh
// (and say how fresh); the merged watch stream keeps flowing across shard evictions.
import { createExecutionContext, env, evictDurableObject, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { parseToken } from "../../src/edge/index.ts";
import worker from "../../worker/index.ts";
import type { GossipStore } from "../../worker/store-object.ts";
import { shardObjectName } from "../../worker/store-layout.ts";
import { waitUntil } from "../helpers/wait.ts";

const auth = { authorization: `Bearer ${env.STORE_TOKEN}` };
const T = 1_700_000_000;
const mapping = (id: string, ts = T) => JSON.stringify({ type: 1, payload: { container_id: id, machine_id: "m", timestamp: ts, v: 185 } });
const subnet = (s: string, ts = T) => JSON.stringify({ type: 5, payload: { subnet: s, machine_id: "m", ion_id: "i", timestamp: ts, action: "add", v: 231 } });

function client(b: typeof env) {
  return async (path: string, init: RequestInit = {}) => {
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request(`http://x${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } }), b, ctx);
    if (res.status !== 101) await waitOnExecutionContext(ctx);
    return res;
  };
}

const shard = (i: number) => env.GOSSIP_STORE.getByName(shardObjectName(4, i));

describe("sharded store (N = 4)", () => {
  it("a hard restart of any one shard loses nothing acknowledged", async () => {
    const call = client({ ...env, STORE_SHARDS: "4" });
    const keys = Array.from({ length: 32 }, (_, i) => `hr-${i}`);
    const ack = await call("/v1/messages", { method: "POST", body: `[${keys.map((k) => mapping(k)).join(",")}]` });
    expect(ack.status).toBe(200);
    let before = await (await call("/v1/state")).json<any>();
    for (let i = 0; i < 4; i++) {
      // Abort the object (its in-memory state is gone; the next request builds it from SQLite).
      await runInDurableObject(shard(i), (_obj: GossipStore, state) => {
        try {
          state.abort("test: hard restart");
        } catch {
          /* abort throws in the aborted object */
        }
      }).catch(() => undefined);
      expect(await (await call("/v1/state")).json()).toEqual(before);
      const more = await call("/v1/messages", { method: "POST", body: mapping(`hr-after-${i}`) });
      expect(more.status).toBe(200);
      before = await (await call("/v1/state")).json<any>();
      expect(before.endpoints.map((e: any) => e.container_id)).toContain(`hr-after-${i}`);
    }
  });

  it("route lookups make no object call while the isolate's table is fresh, and say how fresh it is", async () => {
    const b = { ...env, STORE_SHARDS: "4", ROUTE_REFRESH_MS: "60000", ROUTE_MAX_AGE_MS: "600000" };
    const call = client(b);
    const w = await (await call("/v1/messages", { method: "POST", body: `[${subnet("10.61.0.0/16")},${subnet("10.62.0.0/16")}]` })).json<any>();
    const syncs = () =>
      Promise.all([0, 1, 2, 3].map((i) => runInDurableObject(shard(i), (obj: GossipStore) => obj.metricsSnapshot().find((f) => f.name === "store_route_syncs_total")?.samples.reduce((a, s) => a + s.value, 0) ?? 0))).then((v) =>
        v.reduce((a, x) => a + x, 0),
      );
    const first = await call(`/v1/route?ip=10.61.1.1&after=${encodeURIComponent(String(w.cursor))}`);
    expect(((await first.json()) as any).match).toMatchObject({ prefix: "10.61.0.0/16" });
    const loaded = await syncs();
    for (let i = 0; i < 50; i++) {
      const r = await call(`/v1/route?ip=10.62.${i}.1`);
      expect(r.status).toBe(200);
      expect(((await r.json()) as any).match).toMatchObject({ prefix: "10.62.0.0/16" });
      const token = parseToken(r.headers.get("x-gossamer-cursor")!, 4);
      expect(Array.isArray(token)).toBe(true);
      expect(Number(r.headers.get("x-gossamer-age-ms"))).toBeGreaterThanOrEqual(0);
    }
    expect(await syncs()).toBe(loaded);
  });

  it("the merged watch stream carries every shard's changes and keeps flowing when the shards are evicted", async () => {
    const call = client({ ...env, STORE_SHARDS: "4" });
    const res = await call("/v1/watch", { headers: { upgrade: "websocket" } });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    const frames: any[] = [];
    ws.addEventListener("message", (ev) => frames.push(JSON.parse(String(ev.data))));
    ws.accept();
    await waitUntil("the hello", () => frames.length >= 1);
    expect(frames[0]).toMatchObject({ type: "hello" });
    const keys = Array.from({ length: 16 }, (_, i) => `ws-${i}`);
    await call("/v1/messages", { method: "POST", body: `[${keys.slice(0, 8).map((k) => mapping(k)).join(",")}]` });
    for (let i = 0; i < 4; i++) await evictDurableObject(shard(i));
    await call("/v1/messages", { method: "POST", body: `[${keys.slice(8).map((k) => mapping(k)).join(",")}]` });
    const seen = () => new Set(frames.filter((f) => f.type === "changes").flatMap((f) => f.changes.map((c: any) => c.key)));
    await waitUntil("every key on the stream", () => keys.every((k) => seen().has(k)));
    // Frame cursors are tokens of four positions, each position never going back.
    const tokens = frames.map((f) => parseToken(String(f.cursor), 4) as number[]);
    for (let j = 2; j < tokens.length; j++) for (let s = 0; s < 4; s++) expect(tokens[j]![s]!).toBeGreaterThanOrEqual(tokens[j - 1]![s]!);
    ws.close(1000, "done");
  });
});
