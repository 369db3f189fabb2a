// The store API conformance suite (docs/protocols/store-api.md): what every server of the store API
// answers, whatever sits behind it. One function, run against the Node agent's listener
// (test/api/store-conformance.test.ts), the worker with one store object and the worker with a sharded
// store (test/worker/store-conformance.test.ts). Portable: fetch, Response, vitest and the harness's watch
// client only. Cursors are treated as the opaque text they are: the suite only sends back what it got.
//
// Each test writes its own keys (a harness may share one store between tests).
import { describe, expect, it } from "vitest";
import { compareGoStrings } from "../../src/gossip/index.ts";
import { waitUntil } from "../helpers/wait.ts";

export interface WatchClient {
  /** Frames received so far, parsed (text "pong" as the string itself). */
  readonly frames: unknown[];
  /** Resolves with the close code once the server closed the stream. */
  readonly closed: Promise<number>;
  send(text: string): void;
  close(): void;
}

export interface StoreApiHarness {
  /** A request to the store API with the store's credentials (`path` includes the query). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Opens GET /v1/watch with this query ("" or "?since=...&format=..."), authenticated. */
  watch(query: string): Promise<WatchClient>;
  /** Restarts the store (every object, or the process) keeping its storage; absent = not supported. */
  restart?(): Promise<void>;
}

const T = 1_700_000_000;
let seq = 0;
/** A key no other test (or run sharing the store) uses. */
const uniq = (p: string) => `${p}-${Date.now().toString(36)}-${seq++}`;

const mapping = (id: string, ts: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 1, payload: { gravity_vip: "fd00::1", hadron_vip: "fd00::2", container_id: id, machine_id: "m1", project_id: "p1", dns_names: null, timestamp: ts, sni_hostname: "", v: 185, ...extra } });
const tombstone = (id: string, ts: number) => JSON.stringify({ type: 2, payload: { container_id: id, machine_id: "m1", timestamp: ts, v: 123 } });
const subnet = (s: string, ts: number, action = "add") => JSON.stringify({ type: 5, payload: { subnet: s, machine_id: "m1", ion_id: "10.9.0.1:7946", timestamp: ts, action, v: 231 } });
const nat = (key: string, dst: string, ts: number) => JSON.stringify({ type: 3, payload: { key, original_dst: dst, original_src: "10.0.0.9", src_port: 4000, dst_port: 443, timestamp: ts, v: 56 } });
/**
 * A heartbeat an hour ahead of the wall clock (its VIP stays visible through the whole run), with an
 * owner named "__proto__" (a Go map key like any other).
 */
const heartbeat = (vip: string, nats: string[], eps: string[]) => {
  const ts = Math.floor(Date.now() / 1000) + 3600;
  return JSON.stringify({
    type: 4,
    payload: {
      v: 38,
      vip,
      owners: "OWNERS",
      timestamp: ts,
      new_nats: nats.map((k, i) => JSON.parse(nat(k, `10.250.${seq & 255}.${i + 1}`, T)).payload),
      new_endpoints: eps.map((k) => JSON.parse(mapping(k, T)).payload),
    },
  }).replace('"OWNERS"', `{"m1":${ts},"__proto__":${ts}}`);
};

/** A byte of a random /24 in 10.128.0.0/9 per call (route tests do not collide across runs). */
function net24(): string {
  const n = (Date.now() * 7 + seq++ * 131) % 32768;
  return `10.${128 + (n >> 8)}.${n & 255}`;
}

export function storeApiConformance(label: string, h: StoreApiHarness): void {
  const post = async (body: string) => {
    const r = await h.fetch("/v1/messages", { method: "POST", body, headers: { "content-type": "application/json" } });
    return { status: r.status, json: (await r.json()) as any };
  };
  const get = async (path: string) => {
    const r = await h.fetch(path);
    return { status: r.status, json: (await r.json()) as any, headers: r.headers };
  };
  const q = (c: unknown) => encodeURIComponent(String(c));

  describe(`store API conformance: ${label}`, () => {
    it("applies one envelope or a batch: last writer wins per key, tombstones delete, the snapshot shows it sorted", async () => {
      const [a, b] = [uniq("lww-a"), uniq("lww-b")];
      const r1 = await post(mapping(a, T));
      expect(r1.status).toBe(200);
      expect(r1.json).toMatchObject({ applied: 1, changes: 1 });
      expect(r1.json.cursor).toBeDefined();
      await post(mapping(a, T - 1, { hadron_vip: "old" }));
      const r2 = await post(`[${mapping(a, T + 5, { hadron_vip: "fd00::5" })},${mapping(b, T)},${tombstone(b, T + 1)}]`);
      expect(r2.json).toMatchObject({ applied: 3 });
      const s = (await get("/v1/state")).json;
      const mine = s.endpoints.filter((e: any) => e.container_id === a || e.container_id === b);
      expect(mine.map((e: any) => [e.container_id, e.hadron_vip])).toEqual([[a, "fd00::5"]]);
      expect(s.tombstones.map((t: any) => t.container_id)).toContain(b);
      const ids = s.endpoints.map((e: any) => e.container_id as string);
      expect(ids).toEqual([...ids].sort(compareGoStrings));
    });

    it("a bad message refuses the whole batch with a typed 400 naming its index, and writes nothing", async () => {
      const [a, b] = [uniq("bad-a"), uniq("bad-b")];
      const before = (await get("/v1/state")).json;
      const r = await post(`[${mapping(a, T)},${mapping(b, T)},${subnet("not-a-subnet", T)}]`);
      expect(r.status).toBe(400);
      expect(r.json.error).toMatchObject({ code: "state.reject.bad_subnet", index: 2 });
      const d = await post(`[${mapping(a, T)},{"type":3,"payload":{"key":"k","src_port":70000}}]`);
      expect(d.status).toBe(400);
      expect(d.json.error.code).toBe("gossip.decode.out_of_range");
      expect((await post("not json")).json.error.code).toBe("gossip.decode.malformed_json");
      const after = (await get(`/v1/state?since=${q(before.cursor)}`)).json;
      expect(after.reset).toBe(false);
      expect(after.changes.map((c: any) => c.key)).not.toEqual(expect.arrayContaining([a]));
      expect(after.changes.map((c: any) => c.key)).not.toEqual(expect.arrayContaining([b]));
    });

    it("refuses a body over 4 MiB with 413", async () => {
      const big = `[${mapping(uniq("big"), T)}${" ".repeat(4 << 20)}]`;
      const r = await h.fetch("/v1/messages", { method: "POST", body: big });
      expect(r.status).toBe(413);
      expect(((await r.json()) as any).error.code).toBe("gossip.decode.too_large");
    });

    it("deltas since a cursor hold exactly the later changes; a cursor it never issued is a reset; garbage a 400", async () => {
      const c0 = (await get("/v1/state")).json.cursor;
      const keys = [uniq("d1"), uniq("d2"), uniq("d3")];
      for (const k of keys) await post(mapping(k, T));
      const d = (await get(`/v1/state?since=${q(c0)}`)).json;
      expect(d.reset).toBe(false);
      expect(d.changes.map((c: any) => c.key)).toEqual(expect.arrayContaining(keys));
      for (const c of d.changes) expect(c).toMatchObject({ kind: expect.any(String), key: expect.any(String) });
      const none = (await get(`/v1/state?since=${q(d.cursor)}`)).json;
      expect(none.changes.filter((c: any) => keys.includes(c.key))).toEqual([]);
      expect((await get(`/v1/state?since=999999999999`)).json.reset).toBe(true);
      for (const bad of ["abc", "-1", "1.5e3"]) {
        const r = await get(`/v1/state?since=${bad}`);
        expect(r.status).toBe(400);
        expect(r.json.error.code).toBe("bad_cursor");
      }
      expect((await get(`/v1/state?format=xml`)).json.error.code).toBe("bad_format");
    });

    it("format=envelopes: the snapshot and the deltas are Gravity envelopes of every record", async () => {
      const c0 = (await get("/v1/state?format=envelopes")).json.cursor;
      const [a, b] = [uniq("env-a"), uniq("env-b")];
      await post(`[${mapping(a, T)},${tombstone(b, T)}]`);
      const snap = (await get("/v1/state?format=envelopes")).json;
      expect(snap.messages).toEqual(expect.arrayContaining([expect.objectContaining({ type: 1, payload: expect.objectContaining({ container_id: a }) })]));
      expect(snap.messages).toEqual(expect.arrayContaining([expect.objectContaining({ type: 2, payload: expect.objectContaining({ container_id: b }) })]));
      const d = (await get(`/v1/state?format=envelopes&since=${q(c0)}`)).json;
      expect(d.reset).toBe(false);
      expect(d.messages.map((m: any) => m.payload.container_id).sort()).toEqual(expect.arrayContaining([a, b].sort()));
      expect((await get(`/v1/state?format=envelopes&since=999999999999`)).json).toMatchObject({ reset: true, messages: [] });
    });

    it("a heartbeat carrying NAT entries and endpoints: every record lands (however the store is split)", async () => {
      const vip = `fd00::${(seq++ & 0xffff).toString(16)}:${(Date.now() & 0xffff).toString(16)}`;
      const nats = [uniq("hb-n1"), uniq("hb-n2"), uniq("hb-n3")];
      const eps = [uniq("hb-e1"), uniq("hb-e2"), uniq("hb-e3")];
      const r = await post(heartbeat(vip, nats, eps));
      expect(r.status).toBe(200);
      const s = (await get("/v1/state")).json;
      const v = s.vips.find((x: any) => x.vip === vip);
      expect(v).toBeDefined();
      expect(Object.keys(v.owners).sort()).toEqual(["__proto__", "m1"]);
      expect(s.nats.map((n: any) => n.key)).toEqual(expect.arrayContaining(nats));
      expect(s.endpoints.map((e: any) => e.container_id)).toEqual(expect.arrayContaining(eps));
    });

    it("route lookups: longest prefix over routes and NAT entries, after the write is acknowledged; bad input 400", async () => {
      const net = net24();
      const key = uniq("rt-nat");
      const w = await post(`[${subnet(`${net}.0/24`, T)},${subnet(`${net}.128/25`, T)},${nat(key, `${net}.200`, T)}]`);
      expect(w.status).toBe(200);
      const look = async (ip: string, after: unknown) => {
        const r = await get(`/v1/route?ip=${ip}&after=${q(after)}`);
        expect(r.status).toBe(200);
        return r.json.match;
      };
      // ?after=<cursor of the write> asks for an answer that reflects it (a server that always answers
      // from its store ignores it).
      expect(await look(`${net}.1`, w.json.cursor)).toMatchObject({ kind: "subnet", prefix: `${net}.0/24` });
      expect(await look(`${net}.129`, w.json.cursor)).toMatchObject({ kind: "subnet", prefix: `${net}.128/25` });
      expect(await look(`${net}.200`, w.json.cursor)).toMatchObject({ kind: "nat", prefix: `${net}.200/32` });
      const rm = await post(subnet(`${net}.128/25`, T + 1, "remove"));
      expect(await look(`${net}.129`, rm.json.cursor)).toMatchObject({ prefix: `${net}.0/24` });
      // Without ?after the answer is at most a bounded time old: it converges.
      await waitUntil("the removal without ?after", async () => (await get(`/v1/route?ip=${net}.130`)).json.match?.prefix === `${net}.0/24`, { timeout: 5000 });
      expect((await get("/v1/route?ip=10.1.2")).status).toBe(400);
      expect((await get("/v1/route")).json.error.code).toBe("missing_ip");
    });

    it("watch: hello, the catch-up from a cursor, live changes; resuming from any frame's cursor misses nothing", async () => {
      const c0 = (await get("/v1/state")).json.cursor;
      const first = uniq("w-first");
      await post(mapping(first, T));
      const ws = await h.watch(`?since=${q(c0)}`);
      const keys = [uniq("w-1"), uniq("w-2"), uniq("w-3"), uniq("w-4")];
      for (const k of keys) await post(mapping(k, T));
      const seen = () => (ws.frames as any[]).filter((f) => f.type === "changes").flatMap((f) => f.changes.map((c: any) => c.key));
      await waitUntil("every key on the stream", () => [first, ...keys].every((k) => seen().includes(k)), { timeout: 10_000 });
      const frames = ws.frames as any[];
      expect(frames[0]).toMatchObject({ type: "hello" });
      ws.close();
      // From each frame's cursor, the deltas hold (at least) every key that came in later frames.
      for (let j = 1; j < frames.length; j++) {
        const later = frames.slice(j + 1).flatMap((f) => f.changes.map((c: any) => c.key)).filter((k: string) => keys.includes(k) || k === first);
        const d = (await get(`/v1/state?since=${q(frames[j].cursor)}`)).json;
        expect(d.reset).toBe(false);
        expect(d.changes.map((c: any) => c.key)).toEqual(expect.arrayContaining(later));
      }
    });

    it("watch with format=envelopes carries each changed record's envelope; an unknown cursor gets a reset frame", async () => {
      const ws = await h.watch("?format=envelopes&since=999999999999");
      await waitUntil("hello and reset", () => ws.frames.length >= 2);
      expect((ws.frames as any[]).slice(0, 2).map((f) => f.type)).toEqual(["hello", "reset"]);
      const k = uniq("we");
      await post(mapping(k, T));
      await waitUntil("the envelope frame", () => (ws.frames as any[]).some((f) => f.type === "changes" && f.messages.some((m: any) => m.payload.container_id === k)));
      ws.close();
    });

    it("watch: ping is answered pong, anything else closes the read-only stream; plain GET is 426", async () => {
      const ws = await h.watch("");
      await waitUntil("hello", () => ws.frames.length >= 1);
      ws.send("ping");
      await waitUntil("pong", () => ws.frames.includes("pong"));
      ws.send("hello?");
      expect(await ws.closed).toBe(1003);
      const r = await get("/v1/watch");
      expect(r.status).toBe(426);
      expect(r.json.error.code).toBe("upgrade_required");
      expect((await get("/v1/watch?since=zz")).status).toBe(426);
    });

    it("keeps everything acknowledged across a restart; cursors from before still resume", async () => {
      if (!h.restart) return expect(h.restart).toBeUndefined();
      const net = net24();
      const keys = [uniq("rs-1"), uniq("rs-2"), uniq("rs-3"), uniq("rs-4"), uniq("rs-5"), uniq("rs-6")];
      const ack = await post(`[${keys.map((k) => mapping(k, T)).join(",")},${subnet(`${net}.0/24`, T)}]`);
      expect(ack.status).toBe(200);
      const before = (await get("/v1/state")).json;
      await h.restart();
      const after = (await get("/v1/state")).json;
      expect(after).toEqual(before);
      const more = uniq("rs-after");
      await post(mapping(more, T));
      const d = (await get(`/v1/state?since=${q(before.cursor)}`)).json;
      expect(d.reset).toBe(false);
      expect(d.changes.map((c: any) => c.key)).toEqual([more]);
      const r = await get(`/v1/route?ip=${net}.9&after=${q(ack.json.cursor)}`);
      expect(r.json.match).toMatchObject({ prefix: `${net}.0/24` });
    });
  });
}
