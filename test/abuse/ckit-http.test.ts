// Abuse of the HTTP/2 gossiphttp transport over real sockets: a stalled first request (slowloris), a
// frame declaring gigabytes, fuzzed bodies, HTTP/2 garbage after the preface, a stream flood past the
// cap, a flood of packets to a peer that never answers, and one to a peer that takes a streamed /message
// body but never reads it (flow control stalls the sender). The transport must answer with the right
// status or close, never crash, and keep memory and queues bounded.
import http2 from "node:http2";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { createCkitTransport, type CkitHttpTransport } from "../../src/node/ckit-transport.ts";
import { testNodePlatform } from "../helpers/node-platform.ts";

const open: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c.close();
});

async function transport(extra = {}): Promise<CkitHttpTransport> {
  const t = await createCkitTransport(testNodePlatform(), { listen: "127.0.0.1:0", ...extra });
  open.push(t);
  return t;
}

function post(c: http2.ClientHttp2Session, body: Uint8Array, path = "/api/v1/ckit/transport/message"): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = c.request({ ":method": "POST", ":path": path, "content-type": "application/x.ckit" });
    req.on("response", (h) => resolve(Number(h[":status"])));
    req.on("error", reject);
    req.resume();
    req.end(body);
  });
}

describe("gossiphttp under abuse", () => {
  it("closes a connection that never sends its first request (slowloris)", async () => {
    const t = await transport({ prefixTimeoutMs: 200 });
    const sock = net.connect(t.bound()!.port, "127.0.0.1");
    await new Promise<void>((r) => sock.once("connect", () => r()));
    sock.write("P"); // one byte of the HTTP/2 preface, then nothing
    const closedIn = await new Promise<number>((r) => {
      const t0 = Date.now();
      sock.once("close", () => r(Date.now() - t0));
    });
    expect(closedIn).toBeLessThan(5_000);
  });

  it("answers 400 to a frame declaring 4 GiB before buffering it, and keeps serving", async () => {
    const t = await transport();
    const got: number[] = [];
    t.onPacket((p) => got.push(p.buf.length));
    const c = http2.connect(`http://127.0.0.1:${t.bound()!.port}`);
    open.push({ close: () => void c.close() });
    const heap0 = process.memoryUsage().heapUsed;
    expect(await post(c, Uint8Array.of(0xcd, 0xff, 0xff, 0xff, 0xff, 1, 2, 3))).toBe(400);
    expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(64 * 1024 * 1024);
    expect(await post(c, Uint8Array.of(0xcc, 0, 1, 0x41))).toBe(200);
    expect(got).toEqual([1]);
  });

  it("fuzzed bodies get 200 or 400, never anything else, and the server keeps serving", async () => {
    const t = await transport();
    t.onPacket(() => {});
    const c = http2.connect(`http://127.0.0.1:${t.bound()!.port}`);
    open.push({ close: () => void c.close() });
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (body) => {
        expect([200, 400]).toContain(await post(c, body));
      }),
      { numRuns: 150 },
    );
    expect(await post(c, Uint8Array.of(0xcc, 0, 0))).toBe(200);
  });

  it("survives HTTP/2 garbage after the preface", async () => {
    const t = await transport();
    const sock = net.connect(t.bound()!.port, "127.0.0.1");
    await new Promise<void>((r) => sock.once("connect", () => r()));
    sock.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    sock.write(Buffer.from("00000a0400000000000102030405060708090a0b", "hex")); // bad SETTINGS length
    sock.write(Buffer.alloc(100, 0xff));
    // The server answers with GOAWAY (type 7) and stops reading this connection.
    const goaway = await new Promise<boolean>((r) => {
      let seen = Buffer.alloc(0);
      sock.on("data", (d: Buffer) => {
        seen = Buffer.concat([seen, d]);
        for (let i = 0; i + 9 <= seen.length; ) {
          if (seen[i + 3] === 7) return r(true);
          i += 9 + seen.readUIntBE(i, 3);
        }
      });
      sock.once("close", () => r(false));
    });
    expect(goaway).toBe(true);
    sock.destroy();
    const c = http2.connect(`http://127.0.0.1:${t.bound()!.port}`);
    open.push({ close: () => void c.close() });
    expect(await post(c, Uint8Array.of(0xcc, 0, 0))).toBe(200);
  });

  it("refuses streams past the cap with 503 and frees slots when they close", async () => {
    const t = await transport({ maxStreams: 3 });
    const held: { close(): void }[] = [];
    t.onStream((s) => held.push(s));
    const c = http2.connect(`http://127.0.0.1:${t.bound()!.port}`);
    open.push({ close: () => void c.close() });
    const open3 = await Promise.all([0, 1, 2].map(() => statusOf(c)));
    expect(open3).toEqual([200, 200, 200]);
    expect(await statusOf(c)).toBe(503);
    held.splice(0).forEach((s) => s.close());
    await expect.poll(() => statusOf(c), { timeout: 5_000 }).toBe(200);
  });

  it("keeps at most 1000 packets queued for a peer that never answers, counting the drops", async () => {
    // A peer that completes TCP but never speaks HTTP/2: requests hang until the packet timeout.
    const sockets: net.Socket[] = [];
    const mute = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => mute.listen(0, "127.0.0.1", () => r()));
    open.push({ close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), mute.close(() => r()))) });
    const platform = testNodePlatform();
    const t = await createCkitTransport(platform, { listen: "127.0.0.1:0", packetTimeoutMs: 300 });
    open.push(t);
    const to = `127.0.0.1:${(mute.address() as net.AddressInfo).port}`;
    const failed = () => platform.metrics.snapshot().find((f) => f.name === "cluster_transport_tx_packets_failed_total")!.samples[0]!.value;
    for (let i = 0; i < 5_000; i++) t.sendPacket(to, new Uint8Array(100));
    // Sends are queued (the first batch leaves on the next microtask): 1000 kept, the 4000 oldest dropped.
    expect(t.stats().queuedOut).toBe(1000);
    expect(failed()).toBe(4_000);
    await new Promise((r) => setTimeout(r, 0));
    expect(t.stats().queuedOut).toBeLessThanOrEqual(1000);
    await expect.poll(failed, { timeout: 10_000 }).toBe(5_000);
    expect(t.stats().queuedOut).toBe(0);
  });
});

describe("gossiphttp sender against a peer that stops reading", () => {
  it("keeps the queue bounded, cancels the stalled streaming request after the packet timeout and counts its packets failed", async () => {
    // Takes /message requests and never reads them: once the HTTP/2 windows are full, nothing moves.
    const server = http2.createServer();
    const cancelled: number[] = [];
    server.on("stream", (s) => {
      s.pause();
      s.on("error", () => {});
      s.on("close", () => cancelled.push(s.rstCode ?? -1));
    });
    const sessions = new Set<http2.ServerHttp2Session>();
    server.on("session", (x) => void sessions.add(x));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    open.push({ close: () => new Promise<void>((r) => (sessions.forEach((x) => x.destroy()), server.close(() => r()))) });
    const platform = testNodePlatform();
    const t = await createCkitTransport(platform, { listen: "127.0.0.1:0", packetTimeoutMs: 300 });
    open.push(t);
    const to = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const failed = () => platform.metrics.snapshot().find((f) => f.name === "cluster_transport_tx_packets_failed_total")!.samples[0]!.value;
    for (let i = 0; i < 5_000; i++) t.sendPacket(to, new Uint8Array(1400));
    expect(t.stats().queuedOut).toBe(1000);
    expect(failed()).toBe(4_000);
    // More than the windows can take: the write is held back, not buffered without end.
    await expect.poll(() => t.stats().packetStreams, { timeout: 5_000 }).toBe(1);
    for (let i = 0; i < 2_000; i++) t.sendPacket(to, new Uint8Array(1400));
    expect(t.stats().queuedOut).toBe(1000);
    await expect.poll(failed, { timeout: 10_000 }).toBe(7_000);
    expect(cancelled[0]).toBe(http2.constants.NGHTTP2_CANCEL);
    expect(t.stats()).toMatchObject({ queuedOut: 0, fallbackPeers: 0 });
  });
});

function statusOf(c: http2.ClientHttp2Session): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = c.request({ ":method": "POST", ":path": "/api/v1/ckit/transport/stream", "content-type": "application/x.ckit" }, { endStream: false });
    req.on("response", (h) => resolve(Number(h[":status"])));
    req.on("error", reject);
  });
}
