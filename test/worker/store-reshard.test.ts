// Resharding the store (docs/protocols/store-api.md §5) in workerd: STORE_SHARDS 1 -> 4 with
// STORE_SHARDS_PREVIOUS=1 copies every record to its new shard (and nowhere else); an isolate still on the
// old layout keeps working and what it writes is forwarded; a rollback (2 -> 3 -> 2) copies back what the
// newer layout got. Nothing acknowledged is lost on the way, and old cursors get a reset.
import { createExecutionContext, env, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index.ts";
import type { GossipStore } from "../../worker/store-object.ts";
import { shardObjectName, shardOfFor } from "../../worker/store-layout.ts";
import { platformFor } from "../../worker/platform.ts";
import { waitUntil } from "../helpers/wait.ts";

const auth = { authorization: `Bearer ${env.STORE_TOKEN}` };
type Bindings = typeof env;

function client(b: Bindings) {
  const call = async (path: string, init: RequestInit = {}) => {
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request(`http://x${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } }), b, ctx);
    await waitOnExecutionContext(ctx);
    return { status: res.status, json: (await res.json()) as any };
  };
  return {
    post: (body: string) => call("/v1/messages", { method: "POST", body }),
    state: (q = "") => call(`/v1/state${q}`),
    route: (ip: string, after?: unknown) => call(`/v1/route?ip=${ip}${after === undefined ? "" : `&after=${encodeURIComponent(String(after))}`}`),
  };
}

const T = 1_700_000_000;
const mapping = (id: string, ts = T) => JSON.stringify({ type: 1, payload: { container_id: id, machine_id: "m", timestamp: ts, v: 185 } });
const subnet = (s: string, ts = T) => JSON.stringify({ type: 5, payload: { subnet: s, machine_id: "m", ion_id: "i", timestamp: ts, action: "add", v: 231 } });
const ids = (s: any) => new Set<string>(s.endpoints.map((e: any) => e.container_id));

/** The endpoint keys one shard object holds. */
function shardKeys(shards: number, i: number): Promise<string[]> {
  return runInDurableObject(env.GOSSIP_STORE.getByName(shardObjectName(shards, i)), (obj: GossipStore) => obj.store.snapshot().endpoints.map((e) => e.container_id));
}

describe("reshard", () => {
  it("1 -> 4: every record moves to its shard, the old layout keeps serving and forwards what it still gets", async () => {
    const one = client({ ...env, STORE_SHARDS: "1" });
    const keys = Array.from({ length: 40 }, (_, i) => `rs14-${i}`);
    const w = await one.post(`[${keys.map((k) => mapping(k)).join(",")},${subnet("10.41.0.0/16")}]`);
    expect(w.status).toBe(200);
    const oldCursor = (await one.state()).json.cursor;

    const four = client({ ...env, STORE_SHARDS: "4", STORE_SHARDS_PREVIOUS: "1" });
    const s4 = (await four.state()).json;
    for (const k of keys) expect(ids(s4).has(k), k).toBe(true);
    expect(typeof s4.cursor).toBe("string");
    expect((await four.route("10.41.9.9")).json.match).toMatchObject({ prefix: "10.41.0.0/16" });
    // Each record sits on the shard its key hashes to, and only there.
    const shardOf = shardOfFor(platformFor(env), 4);
    const held = await Promise.all([0, 1, 2, 3].map((i) => shardKeys(4, i)));
    for (const k of keys) {
      const where = held.flatMap((h, i) => (h.includes(k) ? [i] : []));
      expect(where, k).toEqual([shardOf("endpoint", k)]);
    }
    // A cursor of the old layout is a reset on the new one.
    expect((await four.state(`?since=${oldCursor}`)).json.reset).toBe(true);
    // An isolate still running the old layout writes to the old object: forwarded to the new shards.
    const late = await one.post(mapping("rs14-late"));
    expect(late.status).toBe(200);
    await waitUntil("the late write on the new layout", async () => ids((await four.state()).json).has("rs14-late"));
    const gauge = await runInDurableObject(env.GOSSIP_STORE.getByName("default"), (obj: GossipStore) =>
      obj.metricsSnapshot().filter((f) => f.name === "store_superseded_by" || f.name === "store_forward_lag").map((f) => [f.name, f.samples[0]!.value]),
    );
    expect(Object.fromEntries(gauge)).toEqual({ store_superseded_by: 4, store_forward_lag: 0 });
  });

  it("2 -> 3 -> 2 (a rollback): the older layout copies back what the newer one got, and is current again", async () => {
    const two = client({ ...env, STORE_SHARDS: "2" });
    await two.post(`[${["rb-a", "rb-b", "rb-c"].map((k) => mapping(k)).join(",")}]`);
    const three = client({ ...env, STORE_SHARDS: "3", STORE_SHARDS_PREVIOUS: "2" });
    expect([...ids((await three.state()).json)]).toEqual(expect.arrayContaining(["rb-a", "rb-b", "rb-c"]));
    // Written only to layout 3 (and a newer version of rb-a):
    await three.post(`[${mapping("rb-new")},${mapping("rb-a", T + 5)}]`);
    const back = client({ ...env, STORE_SHARDS: "2", STORE_SHARDS_PREVIOUS: "3" });
    const s = (await back.state()).json;
    expect([...ids(s)]).toEqual(expect.arrayContaining(["rb-a", "rb-b", "rb-c", "rb-new"]));
    expect(s.endpoints.find((e: any) => e.container_id === "rb-a").timestamp).toBe(T + 5);
    const superseded = await Promise.all(
      [0, 1].map((i) => runInDurableObject(env.GOSSIP_STORE.getByName(shardObjectName(2, i)), (obj: GossipStore) => obj.metricsSnapshot().find((f) => f.name === "store_superseded_by")!.samples[0]!.value)),
    );
    expect(superseded).toEqual([0, 0]);
    // An isolate still on layout 3 during the rollback: its writes reach layout 2 too (a request naming
    // the other layout as previous copies from it: correct, and costly while both versions serve,
    // docs/protocols/store-api.md §5).
    await three.post(mapping("rb-straggler"));
    await waitUntil("the straggler on layout 2", async () => ids((await back.state()).json).has("rb-straggler"));
  });
});
