// The stream codec over a real TCP socket on loopback: the dialer writes its label header and its
// request as separate writes and does NOT half-close; the acceptor parses incrementally, replies on the
// same connection (no label header), and the dialer reads the reply. This is the exchange Go performs.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePushPull, Keyring, readStreamMessage, writeStreamReply, writeStreamRequest } from "../../../src/memberlist/codec/index.ts";
import type { StreamMessage } from "../../../src/memberlist/codec/index.ts";
import type { PushPull } from "../../../src/memberlist/messages.ts";
import type { StreamConn } from "../../../src/transport/transport.ts";
import { AES_KEY, ip4, utf8 } from "./helpers.ts";

/** Minimal StreamConn over a net.Socket (test-only; the real one lives in src/node/). */
function socketConn(sock: net.Socket): StreamConn & { chunks: number } {
  const queue: (Uint8Array | null)[] = [];
  const waiters: ((c: Uint8Array | null) => void)[] = [];
  const push = (c: Uint8Array | null) => {
    const w = waiters.shift();
    if (w) w(c);
    else queue.push(c);
  };
  const conn = {
    remote: `${sock.remoteAddress}:${sock.remotePort}`,
    chunks: 0,
    read: () => {
      conn.chunks++;
      if (queue.length > 0) return Promise.resolve(queue.shift()!);
      return new Promise<Uint8Array | null>((r) => waiters.push(r));
    },
    write: (d: Uint8Array) => new Promise<void>((res, rej) => sock.write(d, (e) => (e ? rej(e) : res()))),
    setDeadline: () => {},
    close: () => sock.destroy(),
  };
  sock.on("data", (d: Buffer) => push(new Uint8Array(d)));
  sock.on("end", () => push(null));
  sock.on("error", () => push(null));
  return conn;
}

const PP: PushPull = {
  header: { Join: true, Nodes: 2, UserStateLen: 5000 },
  states: [
    { Addr: ip4(127, 0, 0, 1), Incarnation: 3, Meta: utf8("meta"), Name: "ts-a", Port: 7946, State: 0, Vsn: new Uint8Array([1, 5, 2, 2, 5, 4]) },
    { Addr: ip4(127, 0, 0, 2), Incarnation: 9, Meta: null, Name: "ts-b", Port: 7947, State: 3, Vsn: new Uint8Array([1, 5, 2, 2, 5, 4]) },
  ],
  userState: new Uint8Array(5000).map((_, i) => i & 0xff),
};

describe("stream exchange over real TCP (loopback)", () => {
  let server: net.Server;
  let port = 0;
  const received: StreamMessage[] = [];
  const opts = { label: "L1", keyring: new Keyring(AES_KEY), compress: true };

  beforeAll(async () => {
    server = net.createServer((sock) => {
      const conn = socketConn(sock);
      void (async () => {
        const req = await readStreamMessage(conn, { ...opts, role: "accept" });
        received.push(req);
        // Reply before the dialer closes anything: Join copied from the request.
        await writeStreamReply(conn, encodePushPull({ ...PP, header: { ...PP.header, Join: (req.body as PushPull).header.Join } }), opts);
      })().catch(() => sock.destroy());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("labeled, encrypted, compressed push/pull: request parsed without EOF, reply read by the dialer", async () => {
    const sock = net.connect(port, "127.0.0.1");
    await new Promise<void>((r) => sock.once("connect", () => r()));
    const conn = socketConn(sock);
    await writeStreamRequest(conn, encodePushPull(PP), opts); // no sock.end(): the dialer does not half-close
    const reply = await readStreamMessage(conn, { ...opts, role: "dial" });
    conn.close();
    expect(received).toEqual([{ type: "pushPull", body: PP }]);
    expect(reply).toEqual({ type: "pushPull", body: PP });
  });
});
