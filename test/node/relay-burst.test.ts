// The Node relay's burst feed (src/node/relay-burst.ts) over real sockets: a window of messages written
// in one go reaches the destination complete, in order, with the sender's ID; a sender's messages before
// its close message are delivered before the close; a text frame inside a burst closes only its sender.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { issueToken } from "../../src/relay/auth.ts";
import { encodeAuth, encodeClose, encodeTransport } from "../../src/relay/codec.ts";
import { peerIdFromPublicKey, peerIdToString } from "../../src/relay/peer-id.ts";
import { serveRelay } from "../../src/node/relay-server.ts";
import type { RelayServer } from "../../src/node/relay-server.ts";
import { testPlatform } from "../helpers/platform.ts";
import { waitUntil } from "../helpers/wait.ts";

const secret = "burst-secret";
let relay: RelayServer;
let token: Uint8Array;
let n = 0;

beforeAll(async () => {
  relay = await serveRelay(testPlatform(), { listen: "127.0.0.1:0", authSecret: secret });
  token = await issueToken(secret);
});
afterAll(() => relay.close());

interface Peer {
  ws: WebSocket;
  id: Uint8Array;
  got: Buffer[];
  closed: Promise<number>;
}

async function peer(): Promise<Peer> {
  const id = await peerIdFromPublicKey(`burst-peer-${n++}`);
  const ws = new WebSocket(relay.url, { perMessageDeflate: false });
  await new Promise<void>((r, j) => (ws.once("open", () => r()), ws.once("error", j)));
  const got: Buffer[] = [];
  const authed = new Promise<void>((r) => ws.once("message", () => r()));
  ws.send(encodeAuth(id, token));
  await authed;
  ws.on("message", (d: Buffer) => got.push(d));
  const closed = new Promise<number>((r) => ws.once("close", (code) => r(code)));
  return { ws, id, got, closed };
}

/** Sends all messages in one socket write (corked), as a busy client does. */
function sendAll(ws: WebSocket, msgs: (Uint8Array | string)[]): void {
  const s = (ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
  s.cork();
  for (const m of msgs) ws.send(m);
  s.uncork();
}


describe("Node relay burst feed", () => {
  it("delivers a window written in one go completely, in order, with the sender's ID", async () => {
    const [a, b, c] = [await peer(), await peer(), await peer()];
    const N = 500;
    sendAll(a.ws, Array.from({ length: N }, (_, i) => encodeTransport(i % 2 ? b.id : c.id, Uint8Array.of(i & 255, i >> 8))));
    await waitUntil(`${N} messages`, () => b.got.length + c.got.length === N);
    for (const [who, parity] of [[b, 1], [c, 0]] as const) {
      expect(who.got.map((m) => m[38]! | (m[39]! << 8))).toEqual(Array.from({ length: N }, (_, i) => i).filter((i) => i % 2 === parity));
      expect(who.got.every((m) => peerIdToString(m.subarray(2, 38)) === peerIdToString(a.id))).toBe(true);
    }
    for (const p of [a, b, c]) p.ws.close();
  });

  it("delivers a sender's messages before its close message, and a text frame closes only its sender", async () => {
    const [a, b, t] = [await peer(), await peer(), await peer()];
    sendAll(a.ws, [encodeTransport(b.id, Uint8Array.of(1)), encodeTransport(b.id, Uint8Array.of(2)), encodeClose()]);
    sendAll(t.ws, [encodeTransport(b.id, Uint8Array.of(3)), "text", encodeTransport(b.id, Uint8Array.of(4))]);
    expect(await a.closed).toBe(1000);
    expect(await t.closed).toBe(1003);
    await waitUntil("the messages before the close and the text frame", () => b.got.length >= 3);
    expect(b.got.map((m) => m[38])).toEqual([1, 2, 3]);
    expect(relay.core.has(peerIdToString(b.id))).toBe(true);
    b.ws.close();
  });
});
