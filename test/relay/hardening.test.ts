// Relay hardening (docs/security.md): subscription caps per connection and in total (counted, O(IDs)
// deltas), peer-bound tokens (a token authenticates exactly the peer ID it was issued for; the default
// NetBird mode keeps the upstream behaviour), and the fabric's bound on one stream's announced peers.
import { describe, expect, it } from "vitest";
import { RelayCore } from "../../src/relay/core.ts";
import type { RelayCoreOptions } from "../../src/relay/core.ts";
import { TokenValidator, issueToken } from "../../src/relay/auth.ts";
import { decodeMessage, encodeAuth, encodePeerList } from "../../src/relay/codec.ts";
import { RelayAuthError } from "../../src/relay/errors.ts";
import { PeerNotifier, newListener } from "../../src/relay/notifier.ts";
import { peerIdFromPublicKey, peerIdToString } from "../../src/relay/peer-id.ts";
import { ClusterFabric, type FabricRelay, type FabricStream } from "../../src/relay/fabric/fabric.ts";
import { encodePresence, FrameReader } from "../../src/relay/fabric/codec.ts";
import * as P from "../../src/relay/protocol.ts";
import { SimClock } from "../../src/util/sim-clock.ts";
import { nullLogger } from "../../src/util/logger.ts";
import { captureLogger, type LogLine } from "../helpers/capture-logger.ts";
import { FakeClock, FakeConn } from "./fake.ts";
import { waitUntil } from "../helpers/wait.ts";

let n = 0;
const newId = async () => {
  const id = await peerIdFromPublicKey(`hardening-${n++}`);
  return { id, key: peerIdToString(id) };
};
const SECRET = "relay-hardening-secret";

function core(extra: Partial<RelayCoreOptions> = {}) {
  const clock = new FakeClock();
  return new RelayCore({ instanceUrl: "rel://127.0.0.1:1", auth: new TokenValidator(SECRET), clock, healthCheck: false, ...extra });
}

async function connect(c: RelayCore, who: { id: Uint8Array }, token?: Uint8Array) {
  const conn = new FakeConn();
  c.open(conn);
  c.message(conn, encodeAuth(who.id, token ?? (await issueToken(SECRET))));
  await waitUntil("the auth answered or refused", () => conn.closed !== undefined || conn.sent.length > 0);
  return conn;
}

describe("subscription caps", () => {
  it("PeerNotifier: per-listener and total caps; re-subscribing a held ID always passes", () => {
    const nf = new PeerNotifier(() => {});
    const a = newListener();
    const b = newListener();
    expect(nf.subscribe(a, ["p1", "p2", "p3"], 2, 3)).toEqual({ accepted: ["p1", "p2"], refused: 1 });
    expect(nf.subscribe(a, ["p1"], 2, 3)).toEqual({ accepted: ["p1"], refused: 0 });
    expect(nf.subscribe(b, ["p1", "p9"], 2, 3)).toEqual({ accepted: ["p1"], refused: 1 }); // total reached
    expect(nf.size).toBe(3);
    nf.unsubscribe(a, ["p2", "p2", "nope"]);
    expect(nf.size).toBe(2);
    nf.remove(b);
    expect(nf.size).toBe(1);
    nf.restore(b, ["x", "x", "y"], ["x"]);
    expect(nf.size).toBe(3);
  });

  it("RelayCore: IDs past the per-peer cap are refused, counted and logged once per burst; deltas carry only what changed", async () => {
    const lines: LogLine[] = [];
    const deltas: Array<[string, number]> = [];
    const c = core({ maxSubscriptionsPerPeer: 300, logger: captureLogger(lines), hooks: { onSubscriptions: (_c, op, ids) => deltas.push([op, ids.length]) } });
    const a = await newId();
    const conn = await connect(c, a);
    const targets = await Promise.all(Array.from({ length: 500 }, () => newId()));
    for (const m of encodePeerList("subscribe", targets.map((t) => t.id))) c.message(conn, m); // 244 + 244 + 12
    expect(c.subscriptionCount).toBe(300);
    expect(c.stats.subscriptionsRefused).toBe(200);
    expect(deltas).toEqual([
      ["subscribe", 244],
      ["subscribe", 56],
    ]);
    expect(lines.filter((l) => l.msg?.startsWith("subscriptions refused")).length).toBe(2);
    for (const m of encodePeerList("unsubscribe", targets.slice(0, 10).map((t) => t.id))) c.message(conn, m);
    expect(c.subscriptionCount).toBe(290);
    expect(deltas.at(-1)).toEqual(["unsubscribe", 10]);
    c.close(conn);
    expect(c.subscriptionCount).toBe(0);
  });

  it("RelayCore: the total cap holds across connections", async () => {
    const c = core({ maxSubscriptionsTotal: 100 });
    const targets = await Promise.all(Array.from({ length: 80 }, () => newId()));
    const c1 = await connect(c, await newId());
    const c2 = await connect(c, await newId());
    c.message(c1, encodePeerList("subscribe", targets.map((t) => t.id))[0]!);
    c.message(c2, encodePeerList("subscribe", targets.map((t) => t.id))[0]!);
    expect(c.subscriptionCount).toBe(100);
    expect(c.stats.subscriptionsRefused).toBe(60);
  });
});

describe("token modes", () => {
  it("netbird (default): an unbound token authenticates any peer ID", async () => {
    const v = new TokenValidator(SECRET);
    const t = await issueToken(SECRET);
    await v.validate(t, (await newId()).id);
    await v.validate(t);
    expect(v.mode).toBe("netbird");
  });

  it("peer-bound: a token authenticates only the peer it was issued for; unbound tokens are refused", async () => {
    const v = new TokenValidator(SECRET, Date.now, "peer-bound");
    const a = await newId();
    const b = await newId();
    const bound = await issueToken(SECRET, { peerId: a.id });
    await v.validate(bound, a.id);
    await expect(v.validate(bound, b.id)).rejects.toMatchObject({ code: "relay.auth.signature" });
    await expect(v.validate(await issueToken(SECRET), a.id)).rejects.toBeInstanceOf(RelayAuthError);
    await expect(v.validate(bound)).rejects.toMatchObject({ code: "relay.auth.peer" });
    expect((await v.issue(undefined, a.id)).length).toBe(bound.length);
    await v.validate(await v.issue(undefined, a.id), a.id);
    // A bound token is not a valid unbound one either (the MAC covers the peer ID).
    await expect(new TokenValidator(SECRET).validate(bound, a.id)).rejects.toBeInstanceOf(RelayAuthError);
  });

  it("takeover: in netbird mode a token holder replaces a victim's session; in peer-bound mode it cannot", async () => {
    for (const mode of ["netbird", "peer-bound"] as const) {
      const c = core({ auth: new TokenValidator(SECRET, Date.now, mode) });
      const victim = await newId();
      const attacker = await newId();
      const victimConn = await connect(c, victim, await issueToken(SECRET, mode === "peer-bound" ? { peerId: victim.id } : {}));
      const attackerToken = await issueToken(SECRET, mode === "peer-bound" ? { peerId: attacker.id } : {});
      const evil = await connect(c, victim, attackerToken); // claims the victim's ID
      if (mode === "netbird") {
        expect(victimConn.closed?.code).toBe(P.CLOSE_REPLACED);
        expect(evil.sent.map((m) => decodeMessage(m).type)).toEqual(["authResponse"]);
      } else {
        expect(victimConn.closed).toBeUndefined();
        expect(evil.closed?.code).toBe(P.CLOSE_POLICY_VIOLATION);
        expect(c.stats.closes.auth_failed).toBe(1);
      }
    }
  });
});

describe("fabric: one stream's announced peers are bounded", () => {
  it("ignores (and counts) online announcements past maxAnnouncedPerStream", async () => {
    const online: string[] = [];
    const relay: FabricRelay = {
      has: () => false,
      peerIds: () => [],
      deliverForwarded: () => false,
      notifyRemoteOnline: (ids) => online.push(...ids),
      notifyRemoteOffline: () => {},
      evict: () => false,
    };
    const f = new ClusterFabric({ self: "127.0.0.1:1", clock: new SimClock(), logger: nullLogger, maxAnnouncedPerStream: 5 });
    f.attach(relay);
    const s: FabricStream = { addr: "127.0.0.1:2", dialed: false, send: () => true, close: () => {} };
    expect(f.addStream(s)).toBe(true);
    const peers = await Promise.all(Array.from({ length: 8 }, () => newId()));
    const reader = new FrameReader();
    const feed = (frames: Uint8Array[]) => {
      for (const fr of frames) for (const raw of reader.push(fr)) f.onFrame(s, raw);
    };
    feed(encodePresence("online", peers.map((p) => p.id)));
    expect(online).toHaveLength(5);
    expect(f.stats.announceCapped).toBe(3);
    feed(encodePresence("online", peers.slice(0, 2).map((p) => p.id))); // already announced: fine
    expect(f.stats.announceCapped).toBe(3);
    feed(encodePresence("offline", peers.slice(0, 1).map((p) => p.id)));
    feed(encodePresence("online", peers.slice(7).map((p) => p.id))); // room for one again
    expect(f.stats.announceCapped).toBe(3);
    expect(online).toHaveLength(8);
  });
});
