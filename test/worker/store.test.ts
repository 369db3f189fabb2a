// The gossip state store API in workerd: bearer auth, merge through the SQLite-backed GossipStore
// object, snapshot and deltas, route lookups through the Wasm LPM table, the watch stream, and
// persistence across an evicted and an aborted object (nothing acknowledged is lost).
import { abortAllDurableObjects, env, evictDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { waitUntil } from "../helpers/wait.ts";

const TOKEN = env.STORE_TOKEN;
const auth = { authorization: `Bearer ${TOKEN}` };
const store = () => env.GOSSIP_STORE.getByName("default");

async function post(body: string, headers: Record<string, string> = auth): Promise<{ status: number; json: any }> {
  const r = await SELF.fetch("http://x/v1/messages", { method: "POST", body, headers: { ...headers, "content-type": "application/json" } });
  return { status: r.status, json: await r.json() };
}
async function get(path: string, headers: Record<string, string> = auth): Promise<{ status: number; json: any }> {
  const r = await SELF.fetch(`http://x${path}`, { headers });
  return { status: r.status, json: await r.json() };
}
/** A route lookup that must reflect a write acknowledged with `cursor` (?after=). */
function getAfter(path: string, cursor: number | string): Promise<{ status: number; json: any }> {
  return get(`${path}&after=${encodeURIComponent(String(cursor))}`);
}

const mapping = (id: string, ts: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: 1,
    payload: {
      gravity_vip: "fd00::1", hadron_vip: "fd00::2", container_id: id, machine_id: "m1", project_id: "p1",
      dns_names: [`${id}.example`], timestamp: ts, sni_hostname: "sni", v: 185, ...extra,
    },
  });
const tombstone = (id: string, ts: number) => JSON.stringify({ type: 2, payload: { container_id: id, machine_id: "m1", timestamp: ts, v: 123 } });
const subnet = (s: string, ts: number, action: "add" | "remove", machine = "m1") =>
  JSON.stringify({ type: 5, payload: { subnet: s, machine_id: machine, ion_id: "10.9.0.1:7946", timestamp: ts, action, v: 231 } });
const nat = (key: string, dst: string, ts: number) =>
  JSON.stringify({ type: 3, payload: { key, original_dst: dst, original_src: "10.0.0.9", src_port: 4000, dst_port: 443, timestamp: ts, v: 56 } });

describe("store API: auth and foreign requests", () => {
  it("rejects missing, wrong and non-bearer tokens on every store route", async () => {
    for (const headers of [{} as Record<string, string>, { authorization: "Bearer nope" }, { authorization: `Basic ${btoa("a:" + TOKEN)}` }, { authorization: TOKEN }]) {
      expect((await post(mapping("x", 1), headers)).status).toBe(401);
      expect((await get("/v1/state", headers)).status).toBe(401);
      expect((await get("/v1/route?ip=10.0.0.1", headers)).status).toBe(401);
      expect((await get("/v1/watch", headers)).status).toBe(401);
    }
    // nothing was applied by the rejected POSTs
    expect((await get("/v1/state")).json.endpoints).toEqual([]);
  });

  it("answers 405 for wrong methods and 404 for unknown paths", async () => {
    expect((await SELF.fetch("http://x/v1/messages", { headers: auth })).status).toBe(405);
    expect((await SELF.fetch("http://x/v1/state", { method: "DELETE", headers: auth })).status).toBe(405);
    expect((await SELF.fetch("http://x/v1/route", { method: "PUT", headers: auth, body: "x" })).status).toBe(405);
    expect((await SELF.fetch("http://x/v1/nope", { headers: auth })).status).toBe(404);
    expect((await SELF.fetch("http://x/", { headers: auth })).status).toBe(404);
    expect((await SELF.fetch("http://x/metrics", { method: "POST", body: "x" })).status).toBe(405);
  });

  it("the relay secret is not a store token, and the store token is not a relay token", async () => {
    expect((await get("/v1/state", { authorization: `Bearer ${env.RELAY_AUTH_SECRET}` })).status).toBe(401);
  });
});

describe("store API: merge, snapshot and deltas", () => {
  it("applies last-writer-wins per key with tombstones, one envelope or a batch", async () => {
    const r1 = await post(mapping("c1", 1700000000));
    expect(r1.status).toBe(200);
    expect(r1.json.applied).toBe(1);
    // older write loses, newer wins
    await post(mapping("c1", 1699999999, { hadron_vip: "old" }));
    await post(`[${mapping("c1", 1700000005, { hadron_vip: "fd00::5" })},${mapping("c2", 1700000000)}]`);
    let s = (await get("/v1/state")).json;
    expect(s.endpoints.map((e: any) => [e.container_id, e.hadron_vip])).toEqual([["c1", "fd00::5"], ["c2", "fd00::2"]]);
    // a newer tombstone deletes; an older mapping does not resurrect it
    await post(tombstone("c2", 1700000010));
    await post(mapping("c2", 1700000001));
    s = (await get("/v1/state")).json;
    expect(s.endpoints.map((e: any) => e.container_id)).toEqual(["c1"]);
    expect(s.tombstones.map((t: any) => t.container_id)).toEqual(["c2"]);
  });

  it("is idempotent and order-independent for the same set of messages", async () => {
    const msgs = [mapping("o1", 10), mapping("o1", 30, { hadron_vip: "b" }), mapping("o1", 20, { hadron_vip: "a" }), tombstone("o2", 5), mapping("o2", 4)];
    await post(`[${msgs.join(",")}]`);
    const s1 = (await get("/v1/state")).json;
    await post(`[${[...msgs].reverse().join(",")}]`);
    await post(`[${msgs.join(",")}]`);
    const s2 = (await get("/v1/state")).json;
    expect(s2.endpoints).toEqual(s1.endpoints);
    expect(s2.tombstones).toEqual(s1.tombstones);
    expect(s1.endpoints.find((e: any) => e.container_id === "o1").hadron_vip).toBe("b");
  });

  it("a bad message rejects the whole batch with a typed 400 and changes nothing", async () => {
    const before = (await get("/v1/state")).json.cursor;
    const bad = await post(`[${mapping("z1", 1)},{"type":3,"payload":{"key":"k","src_port":70000}}]`);
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe("gossip.decode.out_of_range");
    expect((await post("not json")).json.error.code).toBe("gossip.decode.malformed_json");
    const reject = await post(subnet("not-a-subnet", 1, "add"));
    expect(reject.status).toBe(400);
    expect(reject.json.error.code).toMatch(/^state\.reject\./);
    const s = (await get("/v1/state")).json;
    expect(s.cursor).toBe(before);
    expect(s.endpoints.find((e: any) => e.container_id === "z1")).toBeUndefined();
  });

  it("returns deltas since a cursor, and a reset for an unknown cursor", async () => {
    const c0 = (await get("/v1/state")).json.cursor as number;
    await post(mapping("d1", 100));
    await post(mapping("d2", 100));
    const d = (await get(`/v1/state?since=${c0}`)).json;
    expect(d.reset).toBe(false);
    expect(d.changes.map((x: any) => [x.kind, x.key])).toEqual([["endpoint", "d1"], ["endpoint", "d2"]]);
    const none = (await get(`/v1/state?since=${d.cursor}`)).json;
    expect(none.changes).toEqual([]);
    expect((await get(`/v1/state?since=${d.cursor + 1000}`)).json.reset).toBe(true);
    expect((await get(`/v1/state?since=abc`)).status).toBe(400);
  });
});

describe("store API: route lookups (Wasm LPM)", () => {
  it("longest prefix over subnet routes and NAT host entries; removal; bad input", async () => {
    // Lookups are answered by the isolate's route replica (bounded staleness); ?after=<the write's
    // cursor> asks for an answer that reflects the write (docs/protocols/store-api.md §4).
    const w = await post(`[${subnet("fd15:d710:02:05:a1b2::/64", 1700000000, "add")},${subnet("10.20.0.0/16", 1700000000, "add", "m2")},${nat("n1", "10.20.3.4", 1700000000)}]`);
    const look = (path: string) => getAfter(path, w.json.cursor);
    const v6 = (await look("/v1/route?ip=fd15:d710:2:5:a1b2::42")).json;
    expect(v6.match.kind).toBe("subnet");
    expect(v6.match.prefix).toBe("fd15:d710:2:5::/64"); // host bits of the docs/protocols/gravity.md §2 example are zeroed
    expect(v6.match.route.machine_id).toBe("m1");
    const host = (await look("/v1/route?ip=10.20.3.4")).json;
    expect(host.match).toMatchObject({ kind: "nat", prefix: "10.20.3.4/32" });
    expect(host.match.entry.key).toBe("n1");
    const net = (await look("/v1/route?ip=10.20.9.9")).json;
    expect(net.match).toMatchObject({ kind: "subnet", prefix: "10.20.0.0/16" });
    expect((await look("/v1/route?ip=192.0.2.1")).json.match).toBeNull();
    const removed = await post(subnet("10.20.0.0/16", 1700000001, "remove", "m2"));
    expect((await getAfter("/v1/route?ip=10.20.9.9", removed.json.cursor)).json.match).toBeNull();
    const bad = await get("/v1/route?ip=10.1.2");
    expect(bad.status).toBe(400);
    expect(typeof bad.json.error.code).toBe("string");
    expect((await get("/v1/route")).status).toBe(400);
  });
});

describe("store API: watch stream", () => {
  it("streams hello, catch-up deltas, then live changes", async () => {
    const c0 = (await get("/v1/state")).json.cursor as number;
    await post(mapping("w0", 1));
    const res = await SELF.fetch(`http://x/v1/watch?since=${c0}`, { headers: { ...auth, Upgrade: "websocket" } });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    const frames: any[] = [];
    ws.addEventListener("message", (ev) => {
      frames.push(JSON.parse(String(ev.data)));
    });
    ws.accept();
    await post(mapping("w1", 1));
    await waitUntil("hello and two change frames", () => frames.length >= 3);
    expect(frames[0]).toMatchObject({ type: "hello" });
    expect(frames[1].type).toBe("changes");
    expect(frames[1].changes.map((c: any) => c.key)).toEqual(["w0"]);
    expect(frames[2].type).toBe("changes");
    expect(frames[2].changes.map((c: any) => c.key)).toEqual(["w1"]);
    expect(frames[2].cursor).toBeGreaterThan(frames[1].cursor);
    ws.close(1000, "done");
  });

  it("keeps streaming after the store object is evicted (hibernated watch socket)", async () => {
    const res = await SELF.fetch("http://x/v1/watch", { headers: { ...auth, Upgrade: "websocket" } });
    const ws = res.webSocket!;
    const frames: any[] = [];
    ws.addEventListener("message", (ev) => {
      frames.push(JSON.parse(String(ev.data)));
    });
    ws.accept();
    await waitUntil("the hello frame", () => frames.length >= 1);
    await evictDurableObject(store());
    await post(mapping("after-evict", 1));
    await waitUntil("a change frame after the eviction", () => frames.length >= 2);
    expect(frames[1]?.type).toBe("changes");
    expect(frames[1].changes.map((c: any) => c.key)).toEqual(["after-evict"]);
    ws.close(1000, "done");
  });

  it("requires a WebSocket upgrade", async () => {
    expect((await get("/v1/watch")).status).toBe(426);
  });
});

describe("store: persistence", () => {
  it("keeps everything acknowledged across an evicted object and an aborted one", async () => {
    const ack = await post(`[${mapping("p1", 1700000000)},${subnet("10.77.0.0/16", 1700000000, "add")}]`);
    expect(ack.status).toBe(200);
    const before = (await get("/v1/state")).json;
    await evictDurableObject(store());
    const afterEvict = (await get("/v1/state")).json;
    expect(afterEvict).toEqual(before);
    const ack2 = await post(mapping("p2", 1700000000));
    expect(ack2.status).toBe(200);
    await abortAllDurableObjects();
    const afterAbort = (await get("/v1/state")).json;
    expect(afterAbort.cursor).toBe(ack2.json.cursor);
    expect(afterAbort.endpoints.map((e: any) => e.container_id)).toEqual(expect.arrayContaining(["p1", "p2"]));
    // the route table is rebuilt from the rows
    expect((await getAfter("/v1/route?ip=10.77.1.1", ack.json.cursor)).json.match).toMatchObject({ kind: "subnet", prefix: "10.77.0.0/16" });
    // deltas still work from a pre-restart cursor
    const d = (await get(`/v1/state?since=${before.cursor}`)).json;
    expect(d.reset).toBe(false);
    expect(d.changes.map((c: any) => c.key)).toEqual(["p2"]);
  });
});
