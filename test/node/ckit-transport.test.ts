// The gossiphttp transport against ckit's recorded behaviour, over real loopback sockets: the handler's
// answers and delivered packets for the 9 recorded bodies (HTTP/2 and HTTP/1.1), the bytes our writer
// puts on the wire for the recorded payloads (message and stream), the request line and headers, the
// transport metrics after the recorder's sequence (minus ckit's double count), and the route/check order.
import { createHash } from "node:crypto";
import http from "node:http";
import http2 from "node:http2";
import { afterEach, describe, expect, it } from "vitest";
import { createCkitTransport, type CkitHttpTransport } from "../../src/node/ckit-transport.ts";
import type { Packet } from "../../src/transport/transport.ts";
import { renderPrometheus } from "../../src/util/metrics.ts";
import { testNodePlatform } from "../helpers/node-platform.ts";
import { hex, toHex, vectors } from "../ckit/vectors.ts";

const F = vectors.gossiphttpFrames;
const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 256);
const open: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c.close();
});

async function transport(platform = testNodePlatform(), extra = {}): Promise<CkitHttpTransport> {
  const t = await createCkitTransport(platform, { listen: "127.0.0.1:0", ...extra });
  open.push(t);
  return t;
}

/** One HTTP/2 POST with a raw body; resolves with the status. */
async function h2post(port: number, path: string, contentType: string, body: Uint8Array): Promise<number> {
  const c = http2.connect(`http://127.0.0.1:${port}`);
  try {
    return await new Promise<number>((resolve, reject) => {
      const req = c.request({ ":method": "POST", ":path": path, "content-type": contentType });
      req.on("response", (h) => resolve(Number(h[":status"])));
      req.resume();
      req.on("error", reject);
      req.end(body);
    });
  } finally {
    c.close();
  }
}

function h1post(port: number, path: string, contentType: string, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method: "POST", headers: { "content-type": contentType } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("gossiphttp handler", () => {
  it("answers the 9 recorded bodies like ckit and delivers the same packets", async () => {
    const t = await transport();
    const port = t.bound()!.port;
    const got: Packet[] = [];
    t.onPacket((p) => got.push(p));
    for (const h of F.handlerMessage) {
      got.length = 0;
      const body = hex(h.bodyHex);
      const status = h.protoMajor === 2 ? await h2post(port, "/api/v1/ckit/transport/message", h.contentType, body) : await h1post(port, "/api/v1/ckit/transport/message", h.contentType, body);
      expect(status, h.note).toBe(h.status);
      expect(got.map((p) => toHex(p.buf)), h.note).toEqual(h.packets.map((p) => p.hex));
      for (const p of got) expect(p.from).toMatch(/^127\.0\.0\.1:\d+$/);
    }
  });

  it("checks in ckit's order on both routes: 505 before 400, 503 once shut down, 404 off-route", async () => {
    const t = await transport();
    const port = t.bound()!.port;
    t.onStream((s) => s.close());
    for (const path of ["/api/v1/ckit/transport/message", "/api/v1/ckit/transport/stream"]) {
      expect(await h1post(port, path, "text/plain", Uint8Array.of())).toBe(505);
      expect(await h2post(port, path, "text/plain", Uint8Array.of())).toBe(400);
      expect(await h2post(port, path, "application/x.ckit; charset=utf-8", Uint8Array.of())).toBe(400);
    }
    expect(await h2post(port, "/api/v1/ckit/transport/other", "application/x.ckit", Uint8Array.of())).toBe(404);
    expect(await h2post(port, "/elsewhere", "application/x.ckit", Uint8Array.of())).toBe(404);
    expect(await h2post(port, "/api/v1/ckit/transport/stream", "application/x.ckit", Uint8Array.of())).toBe(200);
  });

  it("answers 503 after shutdown when mounted on an application's server that stays up", async () => {
    const p = testNodePlatform();
    const app = http2.createServer();
    const t = await createCkitTransport(p, { advertise: "127.0.0.1:1" });
    app.on("stream", (s, h) => {
      if (t.handler.handleStream(s, h)) return;
      s.respond({ ":status": 200 });
      s.end("app");
    });
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", () => r()));
    open.push({ close: () => new Promise<void>((r) => app.close(() => r())) });
    const port = (app.address() as { port: number }).port;
    expect(await h2post(port, "/api/v1/ckit/transport/message", "application/x.ckit", hex("cc000141"))).toBe(200);
    expect(await h2post(port, "/", "text/plain", Uint8Array.of())).toBe(200);
    await t.close();
    expect(await h2post(port, "/api/v1/ckit/transport/message", "application/x.ckit", hex("cc000141"))).toBe(503);
    expect(await h2post(port, "/api/v1/ckit/transport/stream", "text/plain", Uint8Array.of())).toBe(503);
  });
});

/**
 * A plain HTTP/2 server that records each request's headers and body. /message is answered 200 when its
 * body ends (as ckit's handler does), /stream at once.
 */
async function recorder(): Promise<{ port: number; reqs: { headers: http2.IncomingHttpHeaders; body: Buffer }[]; server: http2.Http2Server }> {
  const reqs: { headers: http2.IncomingHttpHeaders; body: Buffer }[] = [];
  const server = http2.createServer();
  server.on("stream", (s, headers) => {
    const parts: Buffer[] = [];
    const entry = { headers, body: Buffer.alloc(0) };
    reqs.push(entry);
    s.on("data", (d: Buffer) => {
      parts.push(d);
      entry.body = Buffer.concat(parts);
    });
    s.on("error", () => {});
    if (headers[":path"]!.endsWith("/message")) s.on("end", () => s.respond({ ":status": 200 }, { endStream: true }));
    else s.respond({ ":status": 200 }, { endStream: false });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  open.push({ close: () => new Promise<void>((r) => server.close(() => r())) });
  return { port: (server.address() as { port: number }).port, reqs, server };
}

describe("gossiphttp writer", () => {
  it("puts ckit's exact frames on the wire for /message (request mode, one packet per request with batching off)", async () => {
    const rec = await recorder();
    const t = await transport(testNodePlatform(), { packetMode: "request", maxBatchBytes: 0, maxInflight: 1 });
    for (const f of F.messageFrames) t.sendPacket(`127.0.0.1:${rec.port}`, pattern(f.payloadLen));
    const want = F.messageFrames.reduce((n, f) => n + f.frameLen, 0);
    await expect.poll(() => rec.reqs.reduce((n, r) => n + r.body.length, 0), { timeout: 5_000 }).toBe(want);
    expect(rec.reqs).toHaveLength(F.messageFrames.length);
    rec.reqs.forEach((r, i) => {
      const f = F.messageFrames[i]!;
      expect(r.headers[":method"]).toBe(F.messageRequest.method);
      expect(r.headers[":path"]).toBe(new URL(F.messageRequest.url).pathname);
      expect(r.headers[":scheme"]).toBe("http");
      expect(r.headers["content-type"]).toBe(F.messageRequest.contentType);
      expect(Number(r.headers["content-length"])).toBe(f.frameLen);
      expect(createHash("sha256").update(r.body).digest("hex")).toBe(f.frameSha256);
    });
  });

  it("stream mode puts the same frames back to back on one open /message body", async () => {
    const rec = await recorder();
    const t = await transport();
    const to = `127.0.0.1:${rec.port}`;
    let want = 0;
    // One packet per turn, each waited for: they still share one request.
    for (const f of F.messageFrames) {
      t.sendPacket(to, pattern(f.payloadLen));
      want += f.frameLen;
      await expect.poll(() => rec.reqs[0]?.body.length ?? 0, { timeout: 5_000 }).toBe(want);
    }
    expect(rec.reqs).toHaveLength(1);
    const r = rec.reqs[0]!;
    expect(r.headers[":path"]).toBe(new URL(F.messageRequest.url).pathname);
    expect(r.headers["content-type"]).toBe(F.messageRequest.contentType);
    expect(r.headers["content-length"]).toBeUndefined();
    let at = 0;
    for (const f of F.messageFrames) {
      const frame = r.body.subarray(at, at + f.frameLen);
      expect(toHex(frame.subarray(0, f.headerHex.length / 2))).toBe(f.headerHex);
      expect(createHash("sha256").update(frame).digest("hex")).toBe(f.frameSha256);
      at += f.frameLen;
    }
  });

  it("writes one frame per stream write, exactly ckit's bytes", async () => {
    const rec = await recorder();
    const t = await transport();
    const c = await t.dialStream(`127.0.0.1:${rec.port}`, 2_000);
    for (const f of F.streamFrames) await c.write(pattern(f.payloadLen));
    const want = F.streamFrames.reduce((n, f) => n + f.frameLen, 0);
    await expect.poll(() => rec.reqs[0]?.body.length ?? 0, { timeout: 5_000 }).toBe(want);
    const r = rec.reqs[0]!;
    expect(r.headers[":path"]).toBe(new URL(F.streamRequest.url).pathname);
    expect(r.headers["content-type"]).toBe(F.streamRequest.contentType);
    let at = 0;
    for (const f of F.streamFrames) {
      const frame = r.body.subarray(at, at + f.frameLen);
      expect(toHex(frame.subarray(0, f.headerHex.length / 2))).toBe(f.headerHex);
      expect(createHash("sha256").update(frame).digest("hex")).toBe(f.frameSha256);
      at += f.frameLen;
    }
    c.close();
  });
});

describe("cluster_transport_* metrics", () => {
  it("after the recorder's sequence equal ckit's, except /message rx counted once", async () => {
    const platform = testNodePlatform();
    const t = await transport(platform);
    const peer = await transport(testNodePlatform());
    const port = t.bound()!.port;
    let accepted: import("../../src/transport/transport.ts").StreamConn | undefined;
    peer.onStream((s) => (accepted = s));
    peer.onPacket(() => {});
    t.onPacket(() => {});
    // 5 WriteTo and 5 stream writes (0, 1, 1400, 65535, 65536 bytes).
    const peerAddr = `127.0.0.1:${peer.bound()!.port}`;
    for (const f of F.messageFrames) t.sendPacket(peerAddr, pattern(f.payloadLen));
    const c = await t.dialStream(peerAddr, 2_000);
    for (const f of F.streamFrames) await c.write(pattern(f.payloadLen));
    // 2 stream reads ("abc", "hi").
    await expect.poll(() => accepted !== undefined).toBe(true);
    await accepted!.write(hex("616263"));
    await accepted!.write(hex("6869"));
    expect(toHex((await c.read())!)).toBe("616263");
    expect(toHex((await c.read())!)).toBe("6869");
    // The handler cases (5 packets accepted in total).
    for (const h of F.handlerMessage) {
      const body = hex(h.bodyHex);
      if (h.protoMajor === 2) await h2post(port, "/api/v1/ckit/transport/message", h.contentType, body);
      else await h1post(port, "/api/v1/ckit/transport/message", h.contentType, body);
    }
    await expect.poll(() => t.stats().queuedOut, { timeout: 5_000 }).toBe(0);
    accepted!.close();
    c.close();
    await expect.poll(() => value(platform, "cluster_transport_streams"), { timeout: 5_000 }).toBe(0);
    const want = { ...F.transportMetricsAfter };
    // ckit counted each /message packet twice (handler and queue): 5 packets -> 10. We count once.
    want["cluster_transport_rx_packets_total"] = want["cluster_transport_rx_packets_total"]! / 2;
    want["cluster_transport_rx_bytes_total"] = want["cluster_transport_rx_bytes_total"]! / 2;
    for (const [name, v] of Object.entries(want)) expect(value(platform, name), name).toBe(v);
    // Every *_total is a counter, and the stream rx failure counter exists.
    const text = renderPrometheus(platform.metrics.snapshot());
    for (const line of text.split("\n").filter((l) => l.startsWith("# TYPE cluster_transport_"))) {
      const [, , name, type] = line.split(" ");
      expect(type, name).toBe(name!.endsWith("_total") ? "counter" : "gauge");
    }
    expect(text).toContain("cluster_transport_stream_rx_packets_failed_total 0");
  });
});

function value(p: ReturnType<typeof testNodePlatform>, name: string): number | undefined {
  const f = p.metrics.snapshot().find((x) => x.name === name);
  return f?.samples.reduce((n, s) => n + s.value, 0);
}
