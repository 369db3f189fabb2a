// RelayCore unit tests with a manual clock and recording connections: auth deadline, health checks,
// replacement, forwarding seams, subscription batching, hibernation restore, shutdown, fuzzed input.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RelayCore } from "../../src/relay/core.ts";
import type { RelayCoreOptions } from "../../src/relay/core.ts";
import { TokenValidator, issueToken } from "../../src/relay/auth.ts";
import type { RelayAuthenticator } from "../../src/relay/auth.ts";
import { decodeMessage, encodeAuth, encodeClose, encodeHealthCheck, encodePeerList, encodeTransport } from "../../src/relay/codec.ts";
import { RelayAuthError, RelayForwardError } from "../../src/relay/errors.ts";
import { peerIdFromPublicKey, peerIdToString } from "../../src/relay/peer-id.ts";
import * as P from "../../src/relay/protocol.ts";
import { FakeClock, FakeConn } from "./fake.ts";
import { drainEventLoop, waitUntil } from "../helpers/wait.ts";
import { createHotpath } from "../../src/hotpath/index.ts";
import { hotpathModule } from "../../src/node/hotpath.ts";

/** Accepts tokens starting with algo 1, rejects the rest (the real validator is tested in auth.test.ts). */
const stubAuth: RelayAuthenticator = {
  validate: (t) => (t[0] === 1 ? Promise.resolve() : Promise.reject(new RelayAuthError("algo", "stub"))),
};
const GOOD = new Uint8Array(43).fill(0x31).fill(1, 0, 1);
const BAD = new Uint8Array(43).fill(0x32);

let n = 0;
async function newId(): Promise<{ id: Uint8Array; key: string }> {
  const id = await peerIdFromPublicKey(`test-key-${n++}`);
  return { id, key: peerIdToString(id) };
}

function setup(extra: Partial<RelayCoreOptions> = {}) {
  const clock = new FakeClock();
  const core = new RelayCore({ instanceUrl: "rel://127.0.0.1:1", auth: stubAuth, clock, wallNow: () => 1_700_000_000_000 + clock.now(), ...extra });
  async function connect(who?: { id: Uint8Array; key: string }) {
    const p = who ?? (await newId());
    const conn = new FakeConn();
    core.open(conn);
    core.message(conn, encodeAuth(p.id, GOOD));
    await waitUntil("the auth response", () => conn.ofType(P.MSG_AUTH_RESPONSE).length === 1);
    return { conn, ...p };
  }
  return { clock, core, connect };
}

function ids(msgs: Uint8Array[]): string[][] {
  return msgs.map((m) => {
    const d = decodeMessage(m);
    if (!("peerIds" in d)) throw new Error("not a peer list");
    return d.peerIds.map((x) => peerIdToString(x));
  });
}

describe("RelayCore auth", () => {
  it("answers a valid auth with the instance URL and registers the peer", async () => {
    const { core, connect } = setup();
    const a = await connect();
    expect(a.conn.sent.map((m) => decodeMessage(m))).toEqual([{ type: "authResponse", url: "rel://127.0.0.1:1" }]);
    expect(core.has(a.key)).toBe(true);
    expect(a.conn.state).toMatchObject({ peer: a.key });
    expect(core.stats.authOk).toBe(1);
    expect(core.stats.authTimeCount).toBe(1);
  });

  it("closes without a reply when no auth arrives within 10 s", () => {
    const { core, clock } = setup();
    const c = new FakeConn();
    core.open(c);
    clock.advance(P.AUTH_TIMEOUT_MS - 1);
    expect(c.closed).toBeUndefined();
    clock.advance(1);
    expect(c.closed?.code).toBe(P.CLOSE_POLICY_VIOLATION);
    expect(c.sent).toHaveLength(0);
    expect(core.stats.closes.auth_timeout).toBe(1);
    expect(core.connectionCount).toBe(0);
  });

  it("closes without a reply on a rejected token", async () => {
    const { core } = setup();
    const c = new FakeConn();
    core.open(c);
    core.message(c, encodeAuth((await newId()).id, BAD));
    await waitUntil("the connection to be closed", () => c.closed);
    expect(c.closed?.code).toBe(P.CLOSE_POLICY_VIOLATION);
    expect(c.sent).toHaveLength(0);
    expect(core.stats.closes.auth_failed).toBe(1);
  });

  it("validates real HMAC tokens (expired rejected)", async () => {
    const wall = 1_700_000_000_000;
    const { core, clock } = setup({ auth: new TokenValidator("s3cret", () => wall) });
    const ok = new FakeConn();
    const old = new FakeConn();
    core.open(ok);
    core.open(old);
    core.message(ok, encodeAuth((await newId()).id, await issueToken("s3cret", { expiresAt: wall / 1000 + 60 })));
    core.message(old, encodeAuth((await newId()).id, await issueToken("s3cret", { expiresAt: wall / 1000 - 1 })));
    await waitUntil("both tokens checked", () => core.stats.authOk + (core.stats.closes.auth_failed ?? 0) === 2);
    expect(ok.closed).toBeUndefined();
    expect(old.closed?.code).toBe(P.CLOSE_POLICY_VIOLATION);
    expect(old.sent).toHaveLength(0);
    clock.advance(0);
  });

  it("processes messages that arrive while auth is being validated, after the auth response", async () => {
    const { core } = setup();
    const b = await setup().connect(); // an id only
    const conn = new FakeConn();
    core.open(conn);
    const a = await newId();
    core.message(conn, encodeAuth(a.id, GOOD));
    core.message(conn, encodePeerList("subscribe", [a.id])[0]!);
    core.message(conn, encodeTransport(b.id, new Uint8Array([1])));
    await waitUntil("the queued messages to be handled", () => conn.sent.length === 2 && core.stats.drops.peer_not_found === 1);
    expect(conn.sent.map((m) => decodeMessage(m).type)).toEqual(["authResponse", "peersOnline"]);
    expect(core.stats.drops.peer_not_found).toBe(1);
  });
});

describe("RelayCore health checks", () => {
  it("pings every 25 s and closes after 45 s without an echo", async () => {
    const { core, clock, connect } = setup();
    const a = await connect();
    const t0 = clock.now();
    clock.advance(P.HEALTH_INTERVAL_MS);
    expect(a.conn.ofType(P.MSG_HEALTH_CHECK)).toHaveLength(1);
    core.message(a.conn, encodeHealthCheck()); // echo at t0+25 s
    clock.advance(P.HEALTH_INTERVAL_MS); // t0+50: last echo 25 s ago -> ping
    expect(a.conn.ofType(P.MSG_HEALTH_CHECK)).toHaveLength(2);
    expect(a.conn.closed).toBeUndefined();
    clock.advance(P.HEALTH_INTERVAL_MS - 1);
    expect(a.conn.closed).toBeUndefined();
    clock.advance(1); // t0+75: 50 s since the last echo -> close
    expect(clock.now() - t0).toBe(75_000);
    expect(a.conn.closed?.code).toBe(P.CLOSE_HEALTH_TIMEOUT);
    expect(core.stats.closes.health_timeout).toBe(1);
    expect(core.has(a.key)).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it("healthTick drives the same rounds when timers are off", async () => {
    const { core, clock, connect } = setup({ healthCheck: false });
    const a = await connect();
    const b = await connect();
    expect(clock.pending).toBe(0); // no per-connection timers (auth timers cleared)
    clock.advance(P.HEALTH_INTERVAL_MS);
    core.healthTick();
    core.message(a.conn, encodeHealthCheck());
    clock.advance(P.HEALTH_INTERVAL_MS);
    core.healthTick();
    expect(a.conn.closed).toBeUndefined();
    expect(b.conn.closed?.code).toBe(P.CLOSE_HEALTH_TIMEOUT);
  });
});

describe("RelayCore forwarding", () => {
  it("rewrites the ID slot in place to the sender and counts bytes", async () => {
    const { core, connect } = setup();
    const a = await connect();
    const b = await connect();
    const msg = encodeTransport(b.id, new Uint8Array([7, 8, 9]));
    core.message(a.conn, msg);
    const got = b.conn.ofType(P.MSG_TRANSPORT);
    expect(got).toHaveLength(1);
    expect(peerIdToString(got[0]!.subarray(2, 38))).toBe(a.key);
    expect([...got[0]!.subarray(38)]).toEqual([7, 8, 9]);
    expect(peerIdToString(msg.subarray(2, 38))).toBe(a.key); // in place
    expect(core.stats.receivedBytes).toBe(41);
    expect(core.stats.sentBytes).toBe(41);
  });

  it("hands misses to the forwarder without blocking and counts its failures by reason", async () => {
    const calls: Array<[string, string]> = [];
    let mode: "ok" | "notfound" | "throw" = "ok";
    const { core, connect } = setup({
      forwarder: {
        locate: async () => null,
        forward(dst, m) {
          calls.push([dst, peerIdToString(m.subarray(2, 38))]);
          if (mode === "notfound") return Promise.reject(new RelayForwardError("peer_not_found", "no"));
          if (mode === "throw") throw new Error("boom");
        },
      },
    });
    const a = await connect();
    const far = await newId();
    core.message(a.conn, encodeTransport(far.id, new Uint8Array([1])));
    mode = "notfound";
    core.message(a.conn, encodeTransport(far.id, new Uint8Array([1])));
    mode = "throw";
    core.message(a.conn, encodeTransport(far.id, new Uint8Array([1])));
    await waitUntil("both failures counted", () => Object.keys(core.stats.drops).length === 2);
    expect(calls).toEqual([[far.key, a.key], [far.key, a.key], [far.key, a.key]]);
    expect(core.stats.forwardedOut).toBe(3);
    expect(core.stats.drops).toEqual({ peer_not_found: 1, forward_error: 1 });
    expect(a.conn.closed).toBeUndefined();
  });

  it("delivers forwarded packets unchanged and counts the gone ones", async () => {
    const { core, connect } = setup();
    const b = await connect();
    const msg = encodeTransport((await newId()).id, new Uint8Array([5]));
    expect(core.deliverForwarded(b.key, msg)).toBe(true);
    expect(b.conn.ofType(P.MSG_TRANSPORT)[0]).toEqual(msg);
    expect(core.deliverForwarded((await newId()).key, msg)).toBe(false);
    expect(core.stats.drops.forwarded_peer_gone).toBe(1);
  });

  it("drops packets to a destination with a full send buffer", async () => {
    const { core, connect } = setup({ maxBufferedBytes: 1000 });
    const a = await connect();
    const b = await connect();
    b.conn.bufferedAmount = 1001;
    core.message(a.conn, encodeTransport(b.id, new Uint8Array(10)));
    expect(b.conn.ofType(P.MSG_TRANSPORT)).toHaveLength(0);
    expect(core.stats.drops.backpressure).toBe(1);
  });
});

describe("RelayCore bursts (messages that arrived together)", () => {
  it("forwards a run of transport messages from several senders, each with its own ID in the slot", async () => {
    for (const frames of [createHotpath(), createHotpath(hotpathModule())]) {
      const { core, connect } = setup({ frames });
      const [a, b, c] = [await connect(), await connect(), await connect()];
      const msgs = [encodeTransport(b.id, Uint8Array.of(1)), encodeTransport(c.id, Uint8Array.of(2)), encodeTransport(a.id, Uint8Array.of(3)), encodeTransport(b.id, Uint8Array.of(4))];
      core.messages([a.conn, a.conn, c.conn, c.conn], msgs);
      const got = (x: { conn: FakeConn }) => x.conn.ofType(P.MSG_TRANSPORT).map((m) => [peerIdToString(m.subarray(2, 38)), ...m.subarray(38)]);
      expect(got(b)).toEqual([[a.key, 1], [c.key, 4]]);
      expect(got(c)).toEqual([[a.key, 2]]);
      expect(got(a)).toEqual([[c.key, 3]]);
      expect(core.stats.receivedPackets).toBe(4);
      expect(core.stats.sentPackets).toBe(4);
      expect(core.stats.receivedBytes).toBe(4 * 39);
    }
  });

  it("keeps each connection's order around control messages and handles misses, drops and bad frames as message() does", async () => {
    const forwarded: string[] = [];
    const { core, connect } = setup({ forwarder: { locate: async () => null, forward: (dst) => void forwarded.push(dst) }, maxBufferedBytes: 1000 });
    const [a, b, full] = [await connect(), await connect(), await connect()];
    full.conn.bufferedAmount = 1001;
    const far = await newId();
    const pending = new FakeConn();
    core.open(pending);
    core.messages(
      [a.conn, a.conn, a.conn, b.conn, a.conn, pending, b.conn, b.conn],
      [
        encodeTransport(b.id, Uint8Array.of(1)),
        encodeTransport(far.id, Uint8Array.of(2)),
        encodeTransport(full.id, Uint8Array.of(3)),
        encodeHealthCheck(),
        encodeTransport(b.id, Uint8Array.of(5)),
        encodeAuth(far.id, GOOD), // a pending socket's auth inside a burst: handled as message() would
        encodeTransport(a.id, Uint8Array.of(6)),
        "text frame",
      ],
    );
    await waitUntil("the pending socket to authenticate", () => core.has(far.key));
    expect(b.conn.ofType(P.MSG_TRANSPORT).map((m) => m[38])).toEqual([1, 5]);
    expect(a.conn.ofType(P.MSG_TRANSPORT).map((m) => m[38])).toEqual([6]);
    expect(forwarded).toEqual([far.key]);
    expect(core.stats.drops.backpressure).toBe(1);
    expect(b.conn.closed?.code).toBe(P.CLOSE_UNSUPPORTED_DATA);
    expect(core.has(far.key)).toBe(true); // the pending socket authenticated
    expect(a.conn.closed).toBeUndefined();
  });

  it("splits runs longer than the hot path's burst window", async () => {
    const { core, connect } = setup();
    const [a, b] = [await connect(), await connect()];
    const n = 600;
    core.messages(Array.from({ length: n }, () => a.conn), Array.from({ length: n }, (_, i) => encodeTransport(b.id, Uint8Array.of(i & 255))));
    const got = b.conn.ofType(P.MSG_TRANSPORT);
    expect(got.map((m) => m[38])).toEqual(Array.from({ length: n }, (_, i) => i & 255));
    expect(got.every((m) => peerIdToString(m.subarray(2, 38)) === a.key)).toBe(true);
  });

  it("agrees with message() one by one on arbitrary bursts", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(2), fc.oneof(fc.uint8Array({ maxLength: 60 }), fc.nat(2))), { maxLength: 30 }), async (plan) => {
        const run = async (burst: boolean) => {
          const { core } = setup();
          const peers: { conn: FakeConn; id: Uint8Array }[] = [];
          for (let i = 0; i < 3; i++) {
            const conn = new FakeConn();
            const id = await peerIdFromPublicKey(`burst-${i}`);
            core.open(conn);
            core.message(conn, encodeAuth(id, GOOD));
            peers.push({ conn, id });
          }
          await waitUntil("three peers", () => core.peerCount === 3);
          const conns = plan.map(([from]) => peers[from]!.conn);
          const datas = plan.map(([, m]) => (typeof m === "number" ? encodeTransport(peers[m]!.id, Uint8Array.of(m)) : m.slice()));
          if (burst) core.messages(conns, datas);
          else datas.forEach((d, i) => core.message(conns[i]!, d));
          await drainEventLoop(); // nothing more may follow the synchronous input (notifier batches)
          return { sent: peers.map((p) => p.conn.sent.map((b) => Array.from(b))), closed: peers.map((p) => p.conn.closed), stats: core.stats.receivedPackets };
        };
        expect(await run(true)).toEqual(await run(false));
      }),
      { numRuns: 60 },
    );
  });
});

describe("RelayCore connections", () => {
  it("a new connection with the same ID replaces the old one without an offline event", async () => {
    const offline: string[] = [];
    const { core, connect } = setup({ hooks: { onPeerOffline: (id) => offline.push(id) } });
    const w = await connect();
    const watcher = w.conn;
    const a1 = await connect();
    core.message(watcher, encodePeerList("subscribe", [a1.id])[0]!);
    const a2 = await connect({ id: a1.id, key: a1.key });
    expect(a1.conn.closed?.code).toBe(P.CLOSE_REPLACED);
    expect(core.stats.reconnections).toBe(1);
    core.close(a1.conn); // the runtime's close event for the replaced socket
    await drainEventLoop(); // the subject is an absence: no offline event for a replaced connection
    expect(watcher.ofType(P.MSG_PEERS_WENT_OFFLINE)).toHaveLength(0);
    expect(offline).toEqual([]);
    expect(core.has(a1.key)).toBe(true);
    core.close(a2.conn);
    await waitUntil("the offline batch", () => watcher.ofType(P.MSG_PEERS_WENT_OFFLINE).length === 1);
    expect(offline).toEqual([a1.key]);
    expect(ids(watcher.ofType(P.MSG_PEERS_WENT_OFFLINE))).toEqual([[a1.key]]);
  });

  it("closes on text frames, unknown types and oversize messages", async () => {
    const { core, connect } = setup();
    const a = await connect();
    core.message(a.conn, "hi");
    expect(a.conn.closed?.code).toBe(P.CLOSE_UNSUPPORTED_DATA);
    const b = await connect();
    core.message(b.conn, new Uint8Array([1, 99]));
    expect(b.conn.closed?.code).toBe(P.CLOSE_PROTOCOL_ERROR);
    const c = await connect();
    core.message(c.conn, new Uint8Array(P.MAX_MSG_SIZE + 1).fill(1));
    expect(c.conn.closed?.code).toBe(P.CLOSE_TOO_BIG);
    expect(core.stats.closes).toMatchObject({ text_frame: 1, unknown_type: 1, oversize: 1 });
    expect(core.peerCount).toBe(0);
  });

  it("a client close message closes normally and reports offline", async () => {
    const offline: string[] = [];
    const { core, connect } = setup({ hooks: { onPeerOffline: (id) => offline.push(id) } });
    const a = await connect();
    core.message(a.conn, encodeClose());
    expect(a.conn.closed?.code).toBe(P.CLOSE_NORMAL);
    expect(offline).toEqual([a.key]);
    core.close(a.conn);
    expect(core.stats.closes).toEqual({ client_close: 1 });
  });

  it("repeated close events and a repeated open are harmless", async () => {
    const offline: string[] = [];
    const { core, clock, connect } = setup({ hooks: { onPeerOffline: (id) => offline.push(id) } });
    const a = await connect();
    core.open(a.conn); // a runtime bug: open twice
    expect(core.has(a.key)).toBe(true);
    core.close(a.conn);
    core.close(a.conn); // error + close events
    core.message(a.conn, encodeTransport(a.id, new Uint8Array(1))); // late message
    expect(offline).toEqual([a.key]);
    expect(core.peerCount).toBe(0);
    expect(core.connectionCount).toBe(0);
    expect(core.stats.closes).toEqual({ transport_closed: 1 });
    expect(clock.pending).toBe(0);
  });

  it("evict closes as replaced without offline events", async () => {
    const offline: string[] = [];
    const { core, connect } = setup({ hooks: { onPeerOffline: (id) => offline.push(id) } });
    const a = await connect();
    expect(core.evict(a.key)).toBe(true);
    expect(a.conn.closed?.code).toBe(P.CLOSE_REPLACED);
    expect(offline).toEqual([]);
    expect(core.evict(a.key)).toBe(false);
  });

  it("shutdown sends close to every peer and refuses new sockets", async () => {
    const { core, connect } = setup();
    const a = await connect();
    const b = await connect();
    core.shutdown();
    for (const p of [a, b]) {
      expect(p.conn.ofType(P.MSG_CLOSE)).toHaveLength(1);
      expect(p.conn.closed?.code).toBe(P.CLOSE_GOING_AWAY);
    }
    const late = new FakeConn();
    core.open(late);
    expect(late.closed?.code).toBe(P.CLOSE_GOING_AWAY);
    expect(core.connectionCount).toBe(0);
  });

  it("never throws and stays consistent on arbitrary input from an authenticated peer", async () => {
    const { core, connect } = setup();
    const stay = await connect();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 9000 }), { maxLength: 5 }), async (msgs) => {
        const a = await connect();
        for (const m of msgs) core.message(a.conn, m);
        await drainEventLoop(); // whatever the input started has run (nothing specific is expected)
        expect(core.has(stay.key)).toBe(true);
        expect(core.has(a.key)).toBe(a.conn.closed === undefined);
        core.close(a.conn);
      }),
      { numRuns: 150 },
    );
    expect(core.peerCount).toBe(1);
  });
});

describe("RelayCore subscriptions", () => {
  it("batches online/offline answers at 244 IDs per message", async () => {
    const { core, connect } = setup();
    const w = await connect();
    const many = await Promise.all(Array.from({ length: 300 }, () => newId()));
    for (const m of encodePeerList("subscribe", many.map((x) => x.id))) core.message(w.conn, m);
    await drainEventLoop(); // an absence: no answer while nobody is online
    expect(w.conn.ofType(P.MSG_PEERS_ONLINE)).toHaveLength(0); // nobody online yet
    core.notifyRemoteOnline(many.map((x) => x.key));
    await waitUntil("the online batches", () => w.conn.ofType(P.MSG_PEERS_ONLINE).length === 2);
    const on = ids(w.conn.ofType(P.MSG_PEERS_ONLINE));
    expect(on.map((x) => x.length)).toEqual([244, 56]);
    expect(new Set(on.flat())).toEqual(new Set(many.map((x) => x.key)));
    core.notifyRemoteOffline(many.map((x) => x.key));
    await waitUntil("the offline batches", () => w.conn.ofType(P.MSG_PEERS_WENT_OFFLINE).length === 2);
    expect(ids(w.conn.ofType(P.MSG_PEERS_WENT_OFFLINE)).map((x) => x.length)).toEqual([244, 56]);
  });

  it("reports only the latest state of a peer that flips within one batch", async () => {
    const { core, connect } = setup();
    const w = await connect();
    const x = await newId();
    core.message(w.conn, encodePeerList("subscribe", [x.id])[0]!);
    await drainEventLoop(); // the subscription is registered; its (empty) answer is an absence
    core.notifyRemoteOnline([x.key]);
    core.notifyRemoteOffline([x.key]);
    await waitUntil("the batch", () => w.conn.ofType(P.MSG_PEERS_WENT_OFFLINE).length === 1);
    expect(w.conn.ofType(P.MSG_PEERS_ONLINE)).toHaveLength(0);
    expect(ids(w.conn.ofType(P.MSG_PEERS_WENT_OFFLINE))).toEqual([[x.key]]);
  });

  it("reports interest changes and answers located remote peers as online", async () => {
    const interest: Array<[string[], string[]]> = [];
    const far = await newId();
    const { core, connect } = setup({
      hooks: { onInterest: (a, r) => interest.push([a, r]) },
      forwarder: { locate: async (id) => (id === far.key ? "shard-7" : null), forward() {} },
    });
    const w = await connect();
    const nowhere = await newId();
    core.message(w.conn, encodePeerList("subscribe", [far.id, nowhere.id])[0]!);
    await waitUntil("the located peer answered online", () => w.conn.ofType(P.MSG_PEERS_ONLINE).length === 1);
    expect(ids(w.conn.ofType(P.MSG_PEERS_ONLINE))).toEqual([[far.key]]);
    expect(core.interestedIds().sort()).toEqual([far.key, nowhere.key].sort());
    core.message(w.conn, encodePeerList("unsubscribe", [far.id])[0]!);
    core.close(w.conn);
    expect(interest).toEqual([[[far.key, nowhere.key], []], [[], [far.key]], [[], [nowhere.key]]]);
    expect(core.interestedIds()).toEqual([]);
  });
});

describe("RelayCore hibernation restore", () => {
  it("rebuilds peers and subscriptions from attachments and subscription deltas; the newer duplicate wins", async () => {
    const states = new Map<FakeConn, unknown>();
    // What a runtime stores: one row per subscription, updated by the deltas (on = online interest armed).
    const rows = new Map<FakeConn, Map<string, boolean>>();
    const deltas: string[] = [];
    const first = setup({
      hooks: {
        onStateChange: (c) => states.set(c as FakeConn, structuredClone(c.state)),
        onSubscriptions: (c, op, list) => {
          deltas.push(`${op}:${list.length}`);
          const m = rows.get(c as FakeConn) ?? rows.set(c as FakeConn, new Map()).get(c as FakeConn)!;
          for (const id of list) {
            if (op === "subscribe") m.set(id, true);
            else if (op === "unsubscribe") m.delete(id);
            else if (m.has(id)) m.set(id, false);
          }
        },
      },
    });
    const a = await first.connect();
    const b = await first.connect();
    const x = await newId();
    first.core.message(a.conn, encodePeerList("subscribe", [b.id, x.id])[0]!);
    first.core.notifyRemoteOnline([x.key]); // x came online elsewhere: a's one-shot online interest fires
    await waitUntil("the fired delta", () => deltas.includes("fired:1"));
    expect(states.get(a.conn)).toMatchObject({ peer: a.key });
    expect((states.get(a.conn) as { subOff?: unknown }).subOff).toBeUndefined(); // lists never go into the attachment
    expect(deltas).toEqual(["subscribe:2", "fired:1"]);
    expect([...rows.get(a.conn)!]).toEqual([
      [b.key, true],
      [x.key, false],
    ]);

    // A fresh core (the object woke up) with the same sockets; attachments and rows as persisted.
    const second = setup();
    const conns = [a.conn, b.conn].map((old) => {
      const c = new FakeConn();
      c.state = structuredClone(states.get(old)) as FakeConn["state"];
      const r = [...(rows.get(old) ?? new Map<string, boolean>())];
      c.state.subOff = r.map(([id]) => id) as never;
      c.state.subOn = r.filter(([, on]) => on).map(([id]) => id) as never;
      return c;
    });
    const stale = new FakeConn();
    stale.state = { peer: b.key, authAt: 1 }; // an older connection of b that was never closed
    second.core.restore(stale);
    for (const c of conns) second.core.restore(c);
    expect(stale.closed?.code).toBe(P.CLOSE_REPLACED);
    expect(second.core.peerIds().sort()).toEqual([a.key, b.key].sort());
    const [ra, rb] = conns as [FakeConn, FakeConn];
    second.core.message(ra, encodeTransport(b.id, new Uint8Array([42])));
    expect(rb.ofType(P.MSG_TRANSPORT)).toHaveLength(1);
    expect(ra.ofType(P.MSG_AUTH_RESPONSE)).toHaveLength(0);
    // a's offline subscription on b survived
    second.core.close(rb);
    await waitUntil("the offline event", () => ra.ofType(P.MSG_PEERS_WENT_OFFLINE).length === 1);
    expect(ids(ra.ofType(P.MSG_PEERS_WENT_OFFLINE))).toEqual([[b.key]]);
  });

  it("restores lazily on the first event of an unknown socket", async () => {
    const first = setup();
    const a = await first.connect();
    const b = await first.connect();
    const second = setup();
    const rb = new FakeConn();
    rb.state = { ...b.conn.state };
    const ra = new FakeConn();
    ra.state = { ...a.conn.state };
    second.core.restore(rb);
    second.core.message(ra, encodeTransport(b.id, new Uint8Array([1])));
    expect(rb.ofType(P.MSG_TRANSPORT)).toHaveLength(1);
    expect(second.core.peerCount).toBe(2);
  });
});
