// RelayClient against a scripted in-memory WebSocket and a manual clock: auth outcomes, health echo,
// silent-server detection, subscriptions, and what it does with bad input from the relay. (The
// conformance suite exercises the client against real relays.)
import { describe, expect, it } from "vitest";
import { RelayClient, WS_OPEN } from "../../src/relay/client.ts";
import type { WebSocketLike } from "../../src/relay/client.ts";
import { decodeMessage, encodeAuthResponse, encodeClose, encodeHealthCheck, encodePeerList, encodeTransport } from "../../src/relay/codec.ts";
import { RelayClientError } from "../../src/relay/errors.ts";
import { peerIdFromPublicKey, peerIdToString } from "../../src/relay/peer-id.ts";
import * as P from "../../src/relay/protocol.ts";
import { FakeClock } from "./fake.ts";

class ScriptedWs implements WebSocketLike {
  readyState = WS_OPEN;
  binaryType = "blob";
  readonly sent: Uint8Array[] = [];
  closedWith: { code: number | undefined; reason: string | undefined } | undefined;
  private readonly listeners = new Map<string, Array<(ev: unknown) => void>>();
  send(data: Uint8Array | ArrayBuffer): void {
    this.sent.push(data instanceof Uint8Array ? data.slice() : new Uint8Array(data));
  }
  close(code?: number, reason?: string): void {
    if (this.closedWith) return;
    this.closedWith = { code, reason };
    this.readyState = 3;
    queueMicrotask(() => this.emit("close", { code: code ?? 1005, reason: reason ?? "" }));
  }
  addEventListener(type: string, l: (ev: unknown) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  emit(type: string, ev: unknown): void {
    for (const l of this.listeners.get(type) ?? []) l(ev);
  }
  /** The relay sends a binary message (as an ArrayBuffer, like workerd and browsers). */
  deliver(b: Uint8Array): void {
    this.emit("message", { data: b.slice().buffer });
  }
}

async function connected(opts: { clock?: FakeClock; silence?: number | false } = {}) {
  const ws = new ScriptedWs();
  const me = await peerIdFromPublicKey("me");
  const p = RelayClient.connect(ws, { peerId: me, token: new Uint8Array([1, 2, 3]), clock: opts.clock ?? new FakeClock(), serverSilenceMs: opts.silence ?? false });
  await Promise.resolve();
  ws.deliver(encodeAuthResponse("rels://r.example:443"));
  return { ws, me, c: await p };
}

describe("RelayClient", () => {
  it("sends auth first and resolves with the instance URL", async () => {
    const { ws, me, c } = await connected();
    expect(ws.binaryType).toBe("arraybuffer");
    expect(decodeMessage(ws.sent[0]!)).toEqual({ type: "auth", peerId: me, token: new Uint8Array([1, 2, 3]) });
    expect(c.instanceUrl).toBe("rels://r.example:443");
  });

  it("rejects with 'rejected' when the relay closes without a reply, 'timeout' after 8 s", async () => {
    const ws = new ScriptedWs();
    const p = RelayClient.connect(ws, { peerId: await peerIdFromPublicKey("x"), token: new Uint8Array(1) });
    await Promise.resolve();
    ws.emit("close", { code: P.CLOSE_POLICY_VIOLATION, reason: "" });
    await expect(p).rejects.toMatchObject({ reason: "rejected" });

    const clock = new FakeClock();
    const ws2 = new ScriptedWs();
    const p2 = RelayClient.connect(ws2, { peerId: await peerIdFromPublicKey("y"), token: new Uint8Array(1), clock });
    await Promise.resolve();
    clock.advance(P.AUTH_RESPONSE_TIMEOUT_MS);
    await expect(p2).rejects.toBeInstanceOf(RelayClientError);
    await expect(p2).rejects.toMatchObject({ reason: "timeout" });
    expect(ws2.closedWith).toBeDefined();
  });

  it("echoes health checks and closes when the relay stays silent for 35 s", async () => {
    const clock = new FakeClock();
    const { ws, c } = await connected({ clock, silence: P.CLIENT_HEALTH_TIMEOUT_MS });
    clock.advance(P.CLIENT_HEALTH_TIMEOUT_MS - 1);
    ws.deliver(encodeHealthCheck());
    expect(ws.sent.at(-1)).toEqual(encodeHealthCheck());
    expect(c.healthChecks).toBe(1);
    clock.advance(P.CLIENT_HEALTH_TIMEOUT_MS - 1);
    expect(ws.closedWith).toBeUndefined();
    clock.advance(1);
    expect(ws.closedWith?.code).toBe(P.CLOSE_HEALTH_TIMEOUT);
    expect((await c.closed).byServer).toBe(false);
  });

  it("delivers transport messages with the sender ID and peer-state events", async () => {
    const { ws, c } = await connected();
    const other = await peerIdFromPublicKey("other");
    const got: Array<[string, number[]]> = [];
    c.onMessage((from, payload) => got.push([peerIdToString(from.slice()), [...payload]]));
    ws.deliver(encodeTransport(other, new Uint8Array([4, 5])));
    expect(got).toEqual([[peerIdToString(other), [4, 5]]]);

    const online = c.waitOnline(other);
    expect(decodeMessage(ws.sent.at(-1)!)).toEqual({ type: "subscribe", peerIds: [other] });
    ws.deliver(encodePeerList("peersOnline", [other])[0]!);
    await online;
    const off: string[][] = [];
    c.onPeersOffline((ids) => off.push(ids));
    ws.deliver(encodePeerList("peersOffline", [other])[0]!);
    expect(off).toEqual([[peerIdToString(other)]]);
  });

  it("waitOnline times out after 30 s and fails when the connection closes", async () => {
    const clock = new FakeClock();
    const { c } = await connected({ clock });
    const p = c.waitOnline(await peerIdFromPublicKey("never"));
    clock.advance(P.SUBSCRIBE_ONLINE_TIMEOUT_MS);
    await expect(p).rejects.toMatchObject({ reason: "timeout" });
    const q = c.waitOnline(await peerIdFromPublicKey("never2"));
    c.close();
    await expect(q).rejects.toMatchObject({ reason: "closed" });
  });

  it("closes on malformed or unexpected messages from the relay, and on the relay's close", async () => {
    const a = await connected();
    a.ws.deliver(new Uint8Array([1, 99]));
    expect(a.ws.closedWith?.code).toBe(P.CLOSE_PROTOCOL_ERROR);
    const b = await connected();
    b.ws.emit("message", { data: "text" });
    expect(b.ws.closedWith?.code).toBe(P.CLOSE_UNSUPPORTED_DATA);
    const c = await connected();
    c.ws.deliver(encodeClose());
    expect((await c.c.closed).byServer).toBe(true);
    const d = await connected();
    d.c.close();
    expect(d.ws.sent.at(-1)).toEqual(encodeClose());
    expect(d.ws.closedWith?.code).toBe(P.CLOSE_NORMAL);
  });
});
