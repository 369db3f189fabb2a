// Relay conformance suite, shared by every relay runtime: the Node relay (test/node/relay.test.ts, real
// `ws` sockets) and the Durable Object relay (test/worker/, inside workerd). PORTABLE: Web APIs and
// vitest only, no node:* imports. A harness opens WebSockets to the relay's /relay path; harnesses
// with several shards let the suite place peers on different shards.
import { describe, expect, it } from "vitest";
import { issueToken } from "../../src/relay/auth.ts";
import { RelayClient, whenOpen } from "../../src/relay/client.ts";
import type { WebSocketLike } from "../../src/relay/client.ts";
import { encodeAuth, encodeClose, encodePeerList, encodeTransport } from "../../src/relay/codec.ts";
import { peerIdFromPublicKey, peerIdToString } from "../../src/relay/peer-id.ts";
import type { PeerIdString } from "../../src/relay/peer-id.ts";
import * as P from "../../src/relay/protocol.ts";
import { waitUntil, withTimeout } from "../helpers/wait.ts";

export interface RelayHarness {
  /** Opens a WebSocket to the relay's /relay endpoint (resolving once it is open or has failed). */
  connect(opts?: { shard?: number }): Promise<WebSocketLike>;
  /** The relay's auth secret. */
  secret: string;
  /** Number of shards `connect({ shard })` can address (>= 2 enables the cross-shard cases). */
  shards?: number;
  /** What the auth response must say (default: any rel:// or rels:// URL). */
  instanceUrl?: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function randomB64(n: number): string {
  const b = crypto.getRandomValues(new Uint8Array(n));
  return btoa(String.fromCharCode(...b));
}

interface Identity {
  id: Uint8Array;
  key: PeerIdString;
}

async function identity(): Promise<Identity> {
  const id = await peerIdFromPublicKey(randomB64(32));
  return { id, key: peerIdToString(id) };
}

/** A socket with every received message and its close event recorded from the start. */
interface Probe {
  ws: WebSocketLike;
  messages: Uint8Array[];
  closed: Promise<{ code: number; reason: string }>;
  isClosed: () => boolean;
}

function probe(ws: WebSocketLike): Probe {
  const messages: Uint8Array[] = [];
  let done = false;
  if (ws.binaryType === "blob") ws.binaryType = "arraybuffer"; // browsers; ws gives Buffers, workerd ArrayBuffers
  ws.addEventListener("message", (ev: { data: unknown }) => {
    const d = ev.data;
    messages.push(d instanceof ArrayBuffer ? new Uint8Array(d) : d instanceof Uint8Array ? d : enc.encode(String(d)));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.addEventListener("close", (ev: { code?: number; reason?: string }) => {
      done = true;
      resolve({ code: ev?.code ?? 0, reason: ev?.reason ?? "" });
    }),
  );
  return { ws, messages, closed, isClosed: () => done };
}

export function relayConformance(name: string, h: RelayHarness): void {
  const shardCount = h.shards ?? 1;

  async function open(shard?: number): Promise<Probe> {
    const ws = await h.connect(shard === undefined ? undefined : { shard });
    await whenOpen(ws);
    return probe(ws);
  }

  async function peer(opts: { who?: Identity; shard?: number } = {}): Promise<{ c: RelayClient; who: Identity }> {
    const who = opts.who ?? (await identity());
    const ws = await h.connect(opts.shard === undefined ? undefined : { shard: opts.shard });
    const c = await withTimeout(RelayClient.connect(ws, { peerId: who.id, token: await issueToken(h.secret), serverSilenceMs: false }), "auth response");
    return { c, who };
  }

  /** Resolves with the next transport message `c` receives. */
  function nextMessage(c: RelayClient): Promise<{ from: PeerIdString; payload: string }> {
    return withTimeout(
      new Promise((resolve) => {
        let done = false;
        c.onMessage((from, payload) => {
          if (!done) (done = true), resolve({ from: peerIdToString(from.slice()), payload: dec.decode(payload) });
        });
      }),
      "a transport message",
    );
  }

  /** Records peer-state events in arrival order, tagged. */
  function events(c: RelayClient): string[] {
    const log: string[] = [];
    c.onPeersOnline((ids) => log.push(...ids.map((i) => `on:${i}`)));
    c.onPeersOffline((ids) => log.push(...ids.map((i) => `off:${i}`)));
    c.onMessage((from, payload) => log.push(`msg:${peerIdToString(from.slice())}:${dec.decode(payload)}`));
    return log;
  }

  /** Waits until `log` holds `entry` at least `times` times. */
  async function until(log: string[], entry: string, times = 1): Promise<void> {
    await waitUntil(times === 1 ? entry : `${entry} x${times}`, () => log.filter((e) => e === entry).length >= times, { interval: 5 });
  }

  /**
   * Waits until the relay has processed everything `p` sent so far: subscribing to oneself is answered
   * at once with "online" (adds an `on:<self>` entry to the log).
   */
  async function barrier(p: { c: RelayClient; who: Identity }, log: string[]): Promise<void> {
    const self = `on:${p.who.key}`;
    const before = log.filter((e) => e === self).length;
    p.c.subscribe([p.who.id]);
    await until(log, self, before + 1);
  }

  async function closedWithoutReply(p: Probe, send: Uint8Array | string): Promise<number> {
    p.ws.send(typeof send === "string" ? (send as unknown as Uint8Array) : send);
    const { code } = await withTimeout(p.closed, "the relay to close the connection");
    expect(p.messages).toHaveLength(0);
    return code;
  }

  describe(`relay conformance: ${name}`, () => {
    describe("auth", () => {
      it("accepts a valid token and answers with the instance URL", async () => {
        const { c } = await peer();
        if (h.instanceUrl !== undefined) expect(c.instanceUrl).toBe(h.instanceUrl);
        else expect(c.instanceUrl).toMatch(/^rels?:\/\/[^/]+$/);
        c.close();
        await c.closed;
      });

      // One close code per case (docs/protocols/relay.md §7.2): an oversize auth message is 1009, every
      // other failure before authentication (token rejected, not a well-formed auth message) is 1008.
      const POLICY = P.CLOSE_POLICY_VIOLATION;
      const badAuth: Array<[string, () => Promise<Uint8Array>, number]> = [
        ["an expired token", async () => encodeAuth((await identity()).id, await issueToken(h.secret, { expiresAt: Math.floor(Date.now() / 1000) - 60 })), POLICY],
        ["a token signed with another secret", async () => encodeAuth((await identity()).id, await issueToken(h.secret + "-wrong")), POLICY],
        ["a token with a tampered expiry", async () => {
          const t = await issueToken(h.secret);
          t[t.length - 1] = t[t.length - 1] === 0x30 ? 0x31 : 0x30;
          return encodeAuth((await identity()).id, t);
        }, POLICY],
        ["a malformed token (non-decimal expiry)", async () => {
          const t = await issueToken(h.secret);
          t[t.length - 3] = 0x41;
          return encodeAuth((await identity()).id, t);
        }, POLICY],
        ["a malformed token (expiry shorter than 10 digits)", async () => encodeAuth((await identity()).id, (await issueToken(h.secret)).subarray(0, 1 + 32 + 9)), POLICY],
        ["an empty token", async () => encodeAuth((await identity()).id, new Uint8Array(0)), POLICY],
        ["an unknown algorithm", async () => {
          const t = await issueToken(h.secret);
          t[0] = 2;
          return encodeAuth((await identity()).id, t);
        }, POLICY],
        ["an auth message over 212 bytes", async () => {
          const t = await issueToken(h.secret);
          const big = new Uint8Array(P.MAX_AUTH_MSG_SIZE - P.AUTH_TOKEN_OFFSET + 1);
          big.set(t);
          big.fill(0x39, t.length);
          return encodeAuth((await identity()).id, big);
        }, P.CLOSE_TOO_BIG],
        ["a wrong auth magic", async () => {
          const m = encodeAuth((await identity()).id, await issueToken(h.secret));
          m[2] ^= 0xff;
          return m;
        }, POLICY],
        ["a first message that is not auth", async () => encodeTransport((await identity()).id, enc.encode("hello")), POLICY],
        ["a truncated auth message", async () => encodeAuth((await identity()).id, await issueToken(h.secret)).subarray(0, 20), POLICY],
        ["a wrong protocol version", async () => {
          const m = encodeAuth((await identity()).id, await issueToken(h.secret));
          m[0] = 2;
          return m;
        }, POLICY],
      ];
      for (const [what, make, want] of badAuth) {
        it(`closes without a reply on ${what} (code ${want})`, async () => {
          const p = await open();
          expect(await closedWithoutReply(p, await make())).toBe(want);
        });
      }

      it("closes without a reply on a text frame (code 1003)", async () => {
        const p = await open();
        expect(await closedWithoutReply(p, "hello")).toBe(P.CLOSE_UNSUPPORTED_DATA);
      });
    });

    describe("forwarding", () => {
      it("relays packets both ways with the ID slot rewritten to the sender", async () => {
        const a = await peer();
        const b = await peer();
        const atB = nextMessage(b.c);
        a.c.send(b.who.id, enc.encode("ping from a"));
        expect(await atB).toEqual({ from: a.who.key, payload: "ping from a" });
        const atA = nextMessage(a.c);
        b.c.send(a.who.key, enc.encode("pong from b"));
        expect(await atA).toEqual({ from: b.who.key, payload: "pong from b" });
        a.c.close();
        b.c.close();
      });

      it("relays a maximum-size packet and an empty payload", async () => {
        const a = await peer();
        const b = await peer();
        const got: Uint8Array[] = [];
        const two = withTimeout(new Promise<void>((r) => b.c.onMessage((_f, p) => (got.push(new Uint8Array(p)), got.length === 2 && r()))), "two packets");
        const big = crypto.getRandomValues(new Uint8Array(P.MAX_MSG_SIZE - P.TRANSPORT_PAYLOAD_OFFSET));
        a.c.send(b.who.id, big);
        a.c.send(b.who.id, new Uint8Array(0));
        await two;
        expect(got[0]).toEqual(big);
        expect(got[1]).toHaveLength(0);
        a.c.close();
        b.c.close();
      });

      it("drops packets for an offline destination without affecting the sender", async () => {
        const a = await peer();
        const b = await peer();
        const nobody = await identity();
        a.c.send(nobody.id, enc.encode("into the void"));
        const atB = nextMessage(b.c);
        a.c.send(b.who.id, enc.encode("still here"));
        expect(await atB).toEqual({ from: a.who.key, payload: "still here" });
        expect(a.c.isOpen).toBe(true);
        a.c.close();
        b.c.close();
      });

      if (shardCount >= 2) {
        it("relays between peers on different shards", async () => {
          const a = await peer({ shard: 0 });
          const b = await peer({ shard: 1 });
          const atB = nextMessage(b.c);
          a.c.send(b.who.id, enc.encode("across"));
          expect(await atB).toEqual({ from: a.who.key, payload: "across" });
          const atA = nextMessage(a.c);
          b.c.send(a.who.id, enc.encode("and back"));
          expect(await atA).toEqual({ from: b.who.key, payload: "and back" });
          a.c.close();
          b.c.close();
        });
      }
    });

    describe("reconnect", () => {
      it("a new connection with the same peer ID replaces the old one", async () => {
        const who = await identity();
        const first = await peer({ who });
        const second = await peer({ who });
        const closed = await withTimeout(first.c.closed, "the old connection to close");
        expect(closed.byServer).toBe(false);
        expect(closed.code).toBe(P.CLOSE_REPLACED);
        const b = await peer();
        const atSecond = nextMessage(second.c);
        b.c.send(who.id, enc.encode("to the new one"));
        expect(await atSecond).toEqual({ from: b.who.key, payload: "to the new one" });
        second.c.close();
        b.c.close();
      });
    });

    describe("peer-state subscriptions", () => {
      it("answers online peers at once, online is one-shot, offline persists until unsubscribe", async () => {
        const a = await peer();
        const log = events(a.c);
        const b = await peer();
        a.c.subscribe([b.who.id]);
        await until(log, `on:${b.who.key}`); // b is online right now

        b.c.close();
        await until(log, `off:${b.who.key}`);

        const b2 = await peer({ who: b.who });
        await until(log, `on:${b.who.key}`, 2); // online again after the reconnect
        b2.c.close();
        await until(log, `off:${b.who.key}`, 2); // offline interest is persistent

        // Online interest was consumed: a third connection is not announced. The packet b3 sends after
        // its auth response is the barrier (the relay emits presence before that packet).
        const b3 = await peer({ who: b.who });
        b3.c.send(a.who.id, enc.encode("barrier"));
        await until(log, `msg:${b.who.key}:barrier`);
        expect(log.filter((e) => e === `on:${b.who.key}`)).toHaveLength(2);

        // After unsubscribe, b going offline is not reported; subscribe answers are the barriers.
        a.c.unsubscribe([b.who.id]);
        await barrier(a, log);
        b3.c.close();
        await b3.c.closed;
        await barrier(a, log);
        expect(log.filter((e) => e === `off:${b.who.key}`)).toHaveLength(2);
        a.c.close();
      });

      it("reports a subscribed peer that connects later, and accepts subscriptions chunked at 244 IDs", async () => {
        const a = await peer();
        const log = events(a.c);
        const later = await identity();
        const many = await Promise.all(Array.from({ length: 260 }, () => identity()));
        a.c.subscribe([...many.map((x) => x.id), later.id]); // two messages: 244 + 17 IDs
        await barrier(a, log);
        const l = await peer({ who: later });
        await until(log, `on:${later.key}`);
        expect(log.filter((e) => e.startsWith("on:"))).toEqual([`on:${a.who.key}`, `on:${later.key}`]);
        l.c.close();
        await until(log, `off:${later.key}`);
        a.c.close();
      });

      if (shardCount >= 2) {
        it("works across shards", async () => {
          const a = await peer({ shard: 0 });
          const log = events(a.c);
          const bWho = await identity();
          a.c.subscribe([bWho.id]);
          await barrier(a, log);
          const b = await peer({ who: bWho, shard: 1 });
          await until(log, `on:${bWho.key}`);
          b.c.close();
          await until(log, `off:${bWho.key}`);
          a.c.close();
        });
      }
    });

    describe("bad messages after auth", () => {
      const cases: Array<[string, (self: Identity) => Uint8Array, number]> = [
        ["an oversize transport message", (s) => {
          const m = new Uint8Array(P.MAX_MSG_SIZE + 1);
          m.set(encodeTransport(s.id, new Uint8Array(0)));
          return m;
        }, P.CLOSE_TOO_BIG],
        ["a truncated transport message", (s) => encodeTransport(s.id, new Uint8Array(0)).subarray(0, 20), P.CLOSE_PROTOCOL_ERROR],
        ["a peer list that is not a multiple of 36 bytes", (s) => encodePeerList("subscribe", [s.id])[0]!.subarray(0, 2 + 35), P.CLOSE_PROTOCOL_ERROR],
        ["an empty subscribe", () => new Uint8Array([P.PROTOCOL_VERSION, P.MSG_SUBSCRIBE_PEER_STATE]), P.CLOSE_PROTOCOL_ERROR],
        ["a wrong protocol version", (s) => {
          const m = encodeTransport(s.id, enc.encode("x"));
          m[0] = 0;
          return m;
        }, P.CLOSE_PROTOCOL_ERROR],
        ["a single byte", () => new Uint8Array([P.PROTOCOL_VERSION]), P.CLOSE_PROTOCOL_ERROR],
        ["an unknown type", () => new Uint8Array([P.PROTOCOL_VERSION, 200]), P.CLOSE_PROTOCOL_ERROR],
        ["type 0 (unknown)", () => new Uint8Array([P.PROTOCOL_VERSION, P.MSG_UNKNOWN]), P.CLOSE_PROTOCOL_ERROR],
        ["a legacy hello", (s) => new Uint8Array([P.PROTOCOL_VERSION, P.MSG_HELLO, ...P.AUTH_MAGIC, ...s.id]), P.CLOSE_PROTOCOL_ERROR],
        ["a server-only type (peers online)", (s) => encodePeerList("peersOnline", [s.id])[0]!, P.CLOSE_PROTOCOL_ERROR],
        ["a second auth", (s) => encodeAuth(s.id, new Uint8Array(43).fill(0x31)), P.CLOSE_PROTOCOL_ERROR],
      ];
      for (const [what, make, want] of cases) {
        it(`closes on ${what} (code ${want})`, async () => {
          const { c, who } = await peer();
          c.sendRaw(make(who));
          const closed = await withTimeout(c.closed, "the relay to close the connection");
          expect(closed.code).toBe(want);
        });
      }

      it("closes on a text frame after auth", async () => {
        const { c } = await peer();
        (c as unknown as { ws: WebSocketLike }).ws.send("text" as unknown as Uint8Array);
        const closed = await withTimeout(c.closed, "the relay to close the connection");
        expect(closed.code).toBe(P.CLOSE_UNSUPPORTED_DATA);
      });

      it("a client close message reports the peer offline to subscribers", async () => {
        const a = await peer();
        const log = events(a.c);
        const b = await peer();
        a.c.subscribe([b.who.id]);
        await until(log, `on:${b.who.key}`);
        b.c.sendRaw(encodeClose());
        await until(log, `off:${b.who.key}`);
        await withTimeout(b.c.closed, "b to be closed");
        a.c.close();
      });
    });
  });
}
