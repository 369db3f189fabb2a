// Streaming /message requests (docs/protocols/ckit.md §3.1) over real loopback sockets: the receiving
// handler delivers each frame as soon as it is complete while the body is still open; a sender in stream
// mode carries packets sent in separate turns on one request, ends it when idle or old, and falls back to
// one request per batch (with a content-length) for a peer that answers or resets a streamed body before
// it ended; a dead session is not taken for a refusal. The peers here are our handler mounted on a plain
// node:http2 server, so each test can count requests and play a peer that does not take streamed bodies.
import http2, { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { afterEach, describe, expect, it } from "vitest";
import { createCkitTransport, type CkitHttpTransport, type CkitTransportOptions } from "../../src/node/ckit-transport.ts";
import type { Packet } from "../../src/transport/transport.ts";
import { encodeFrame } from "../../src/ckit/index.ts";
import { testNodePlatform } from "../helpers/node-platform.ts";
import { waitUntil } from "../helpers/wait.ts";

const MESSAGE = "/api/v1/ckit/transport/message";
const open: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c.close();
});

const te = new TextEncoder();
const td = new TextDecoder();

function failedOf(p: ReturnType<typeof testNodePlatform>): number {
  const f = p.metrics.snapshot().find((x) => x.name === "cluster_transport_tx_packets_failed_total");
  return f?.samples.reduce((n, s) => n + s.value, 0) ?? 0;
}

async function sender(extra: CkitTransportOptions = {}): Promise<{ t: CkitHttpTransport; platform: ReturnType<typeof testNodePlatform> }> {
  const platform = testNodePlatform();
  const t = await createCkitTransport(platform, { listen: "127.0.0.1:0", ...extra });
  open.push(t);
  return { t, platform };
}

interface SeenRequest {
  headers: IncomingHttpHeaders;
  status: number;
}

type Gate = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => boolean;

/**
 * A receiving transport mounted on our own node:http2 server. `gate` sees each /message request first
 * and returns true when it has answered it itself (a peer that does not take streamed bodies); `after`
 * sees it once our handler has it.
 */
async function receiver(gate?: Gate, after?: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void): Promise<{ t: CkitHttpTransport; addr: string; requests: SeenRequest[]; packets: Packet[]; close(): Promise<void> }> {
  const server = http2.createServer();
  const requests: SeenRequest[] = [];
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  const t = await createCkitTransport(testNodePlatform(), { advertise: `127.0.0.1:${port}` });
  const packets: Packet[] = [];
  t.onPacket((p) => packets.push(p));
  server.on("stream", (stream, headers) => {
    if (headers[":path"] === MESSAGE) {
      const seen: SeenRequest = { headers, status: 0 };
      requests.push(seen);
      const respond = stream.respond.bind(stream);
      stream.respond = (h, o) => {
        seen.status = Number((h as http2.OutgoingHttpHeaders | undefined)?.[":status"]);
        respond(h, o);
      };
      if (gate?.(stream, headers)) return;
      t.handler.handleStream(stream, headers);
      after?.(stream, headers);
      return;
    }
    t.handler.handleStream(stream, headers);
  });
  const close = async () => {
    await t.close();
    await new Promise<void>((r) => {
      server.close(() => r());
      for (const s of sessions) s.destroy();
    });
  };
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.once("close", () => sessions.delete(s));
  });
  open.push({ close });
  return { t, addr: `127.0.0.1:${port}`, requests, packets, close };
}

/** Sends `text` and waits until the receiver has it. */
async function roundOne(t: CkitHttpTransport, to: string, packets: Packet[], text: string): Promise<void> {
  t.sendPacket(to, te.encode(text));
  await waitUntil(`packet ${text}`, () => packets.some((p) => td.decode(p.buf) === text));
}

describe("receiving a streamed /message body", () => {
  it("delivers each frame as soon as it is complete, before the body ends, and answers 200 at the end", async () => {
    const rx = await receiver();
    const c = http2.connect(`http://${rx.addr}`);
    open.push({ close: () => void c.destroy() });
    const req = c.request({ ":method": "POST", ":path": MESSAGE, "content-type": "application/x.ckit", "gossamer-from": "127.0.0.1:7946" }, { endStream: false });
    let status = 0;
    req.on("response", (h) => (status = Number(h[":status"])));
    req.resume();
    req.write(encodeFrame(te.encode("first")));
    await waitUntil("the first frame", () => rx.packets.length === 1);
    expect(td.decode(rx.packets[0]!.buf)).toBe("first");
    expect(rx.packets[0]!.from).toBe("127.0.0.1:7946");
    // The second frame arrives in two DATA frames (header, then payload): delivered once complete.
    const second = encodeFrame(te.encode("second"));
    const beforeSecond = performance.now();
    req.write(second.subarray(0, 2));
    await waitUntil("the split header to reach the server", () => rx.requests.length === 1 && rx.packets.length === 1);
    req.write(second.subarray(2));
    await waitUntil("the second frame", () => rx.packets.length === 2);
    expect(td.decode(rx.packets[1]!.buf)).toBe("second");
    // Timestamps are when the data arrived, not when the request did.
    expect(rx.packets[1]!.timestamp).toBeGreaterThanOrEqual(rx.packets[0]!.timestamp);
    expect(rx.packets[1]!.timestamp).toBeGreaterThanOrEqual(beforeSecond - 1);
    expect(status).toBe(0);
    req.end();
    await waitUntil("the 200 at the end", () => status === 200);
    expect(rx.requests[0]!.status).toBe(200);
  });
});

describe("stream mode (default)", () => {
  it("carries packets sent in separate turns on one /message request, without a content-length", async () => {
    const rx = await receiver();
    const { t, platform } = await sender();
    for (let i = 0; i < 20; i++) await roundOne(t, rx.addr, rx.packets, `p${i}`);
    expect(rx.requests).toHaveLength(1);
    expect(rx.requests[0]!.headers["content-length"]).toBeUndefined();
    expect(rx.requests[0]!.headers["content-type"]).toBe("application/x.ckit");
    expect(rx.requests[0]!.status).toBe(0); // still open: every packet was delivered before the body ended
    expect(t.stats()).toMatchObject({ packetStreams: 1, fallbackPeers: 0, queuedOut: 0 });
    expect(rx.packets.map((p) => td.decode(p.buf))).toEqual(Array.from({ length: 20 }, (_, i) => `p${i}`));
    expect(failedOf(platform)).toBe(0);
  });

  it("sends what was queued in one turn as one write, in order", async () => {
    const rx = await receiver();
    const { t } = await sender();
    for (let i = 0; i < 50; i++) t.sendPacket(rx.addr, te.encode(`b${i}`));
    expect(t.stats().queuedOut).toBe(50);
    await waitUntil("all 50", () => rx.packets.length === 50);
    expect(rx.packets.map((p) => td.decode(p.buf))).toEqual(Array.from({ length: 50 }, (_, i) => `b${i}`));
    expect(rx.requests).toHaveLength(1);
  });

  it("ends an idle request (answered 200, nothing failed) and opens a new one for the next packet", async () => {
    const rx = await receiver();
    const { t, platform } = await sender({ streamIdleMs: 50 });
    await roundOne(t, rx.addr, rx.packets, "before");
    await waitUntil("the idle request to end with 200", () => t.stats().packetStreams === 0 && rx.requests[0]?.status === 200);
    await roundOne(t, rx.addr, rx.packets, "after");
    expect(rx.requests).toHaveLength(2);
    expect(failedOf(platform)).toBe(0);
  });

  it("replaces a request that reached its maximum age while packets keep flowing", async () => {
    const rx = await receiver();
    const { t, platform } = await sender({ streamMaxAgeMs: 100 });
    let i = 0;
    await waitUntil("a second request", async () => {
      await roundOne(t, rx.addr, rx.packets, `a${i++}`);
      return rx.requests.length >= 2;
    }, { timeout: 10_000 });
    await waitUntil("the first one answered 200", () => rx.requests[0]!.status === 200);
    expect(rx.packets).toHaveLength(i);
    expect(failedOf(platform)).toBe(0);
  });

  it("opens the session ahead of the first packet when asked to warm it", async () => {
    const rx = await receiver();
    const { t } = await sender();
    t.warm(rx.addr);
    expect(t.stats().sessions).toBe(1);
    await roundOne(t, rx.addr, rx.packets, "warm");
    expect(t.stats().sessions).toBe(1);
  });
});

describe("falling back to one request per batch", () => {
  // A peer that wants whole bodies: 411 at once for a /message without a content-length.
  const lengthRequired: Gate = (stream, headers) => {
    if (headers["content-length"] !== undefined) return false;
    stream.respond({ ":status": 411 }, { endStream: true });
    return true;
  };
  // A peer that refuses streamed bodies at the HTTP/2 level.
  const refuse: Gate = (stream, headers) => {
    if (headers["content-length"] !== undefined) return false;
    stream.on("error", () => {});
    stream.close(constants.NGHTTP2_REFUSED_STREAM);
    return true;
  };

  for (const [name, gate] of [
    ["answers 411 before the body ends", lengthRequired],
    ["resets the streamed request (REFUSED_STREAM)", refuse],
  ] as const) {
    it(`a peer that ${name} gets requests with a content-length, and packets arrive`, async () => {
      const rx = await receiver(gate);
      const { t, platform } = await sender();
      t.sendPacket(rx.addr, te.encode("lost"));
      await waitUntil("the fallback", () => t.stats().fallbackPeers === 1);
      // ckit's rule for a request not answered 200: its packets count as failed, nothing is retried.
      expect(failedOf(platform)).toBe(1);
      for (let i = 0; i < 5; i++) await roundOne(t, rx.addr, rx.packets, `r${i}`);
      expect(rx.packets.map((p) => td.decode(p.buf))).toEqual(["r0", "r1", "r2", "r3", "r4"]);
      const withLength = rx.requests.filter((r) => r.headers["content-length"] !== undefined);
      expect(withLength).toHaveLength(5);
      expect(withLength.every((r) => r.status === 200)).toBe(true);
      expect(rx.requests.filter((r) => r.headers["content-length"] === undefined)).toHaveLength(1);
      expect(failedOf(platform)).toBe(1);
    });
  }

  it("tries streaming again once the fallback period is over", async () => {
    const rx = await receiver(lengthRequired);
    const { t } = await sender({ fallbackMs: 100 });
    t.sendPacket(rx.addr, te.encode("lost"));
    await waitUntil("the fallback", () => t.stats().fallbackPeers === 1);
    await waitUntil("the fallback period to pass", () => t.stats().fallbackPeers === 0);
    t.sendPacket(rx.addr, te.encode("lost again"));
    await waitUntil("a second streamed attempt", () => rx.requests.filter((r) => r.headers["content-length"] === undefined).length === 2);
    await waitUntil("the second fallback", () => t.stats().fallbackPeers === 1);
  });

  it("a peer that cuts a streamed request off after a while (a read timeout) gets shorter requests, not the fallback", async () => {
    // Like a Go server with ReadTimeout: a body still open after 3 s is answered 400 and reset. The client
    // then replaces its requests at half the age it saw (about 1.5 s), well before the cut.
    const readTimeout = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
      if (headers["content-length"] !== undefined) return;
      const timer = setTimeout(() => {
        if (stream.closed || stream.destroyed) return;
        stream.respond({ ":status": 400 }, { endStream: true });
        stream.close(constants.NGHTTP2_CANCEL);
      }, 3_000);
      stream.once("close", () => clearTimeout(timer));
    };
    const rx = await receiver(undefined, readTimeout);
    const { t, platform } = await sender();
    let sent = 0;
    await waitUntil("a streamed request cut off, then two that ended with 200", async () => {
      const text = `t${sent++}`;
      t.sendPacket(rx.addr, te.encode(text));
      // A packet written while the server was cutting its request off is lost (as a UDP packet may be).
      await waitUntil(`packet ${text}`, () => rx.packets.some((p) => td.decode(p.buf) === text), { timeout: 1_000 }).catch(() => {});
      return rx.requests.filter((r) => r.status === 200).length >= 2;
    }, { timeout: 30_000 });
    expect(rx.requests[0]!.status).toBe(400);
    expect(rx.requests.every((r) => r.headers["content-length"] === undefined)).toBe(true);
    expect(t.stats().fallbackPeers).toBe(0);
    expect(rx.packets.length).toBeGreaterThanOrEqual(sent - 2);
    // What rode on the request that was cut off counts as failed (ckit's rule for a non-200 answer).
    expect(failedOf(platform)).toBeGreaterThanOrEqual(1);
  }, 45_000);

  it("a peer that goes away is not a refusal: the next packet streams on a new session", async () => {
    const rx = await receiver();
    const { t, platform } = await sender();
    await roundOne(t, rx.addr, rx.packets, "one");
    await rx.close();
    await waitUntil("the stream to fail", () => t.stats().packetStreams === 0);
    expect(t.stats().fallbackPeers).toBe(0);
    expect(failedOf(platform)).toBe(1);
  });
});

describe("request mode (packetMode: request)", () => {
  it("sends one request per batch, each with its content-length, as ckit's client does", async () => {
    const rx = await receiver();
    const { t } = await sender({ packetMode: "request" });
    for (let i = 0; i < 3; i++) await roundOne(t, rx.addr, rx.packets, `q${i}`);
    expect(rx.requests).toHaveLength(3);
    for (const r of rx.requests) {
      expect(Number(r.headers["content-length"])).toBe(3 + 2);
      expect(r.status).toBe(200);
    }
    expect(t.stats().packetStreams).toBe(0);
  });
});
