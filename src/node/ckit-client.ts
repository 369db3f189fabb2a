// Client side of the gossiphttp transport (docs/protocols/ckit.md §3): one HTTP/2 session per
// peer address (h2c with prior knowledge, or TLS with ALPN h2), reused and re-opened when it fails.
//
// Packets (memberlist's UDP path) are never sent inline: sendPacket() queues and returns. Queues are
// per peer, bounded in total (ckit: 1000 entries, drop-oldest); overflow drops the oldest packet of the
// same peer (or, if it has none queued, of the peer with the longest queue) and counts it as failed.
// Each peer has a few POST /message requests in flight; packets queued meanwhile go out together, as
// several frames in one body (ckit sends one frame per request, but its handler reads any number, so Go
// peers accept this). A request that is not answered 200 within the packet timeout (ckit: 5 s) counts
// its packets as failed; nothing is retried.
//
// Streams (memberlist's TCP path): POST /stream with a request body left open; the dial resolves when
// the 200 response headers arrive (ckit does not check the status; we fail the dial on anything else).
import net from "node:net";
import tls from "node:tls";
import type { Duplex } from "node:stream";
import http2, { constants, type ClientHttp2Session, type ClientHttp2Stream } from "node:http2";
import { CKIT_CONTENT_TYPE, FROM_HEADER, MESSAGE_PATH, STREAM_PATH, encodeFrames, type TransportMetrics } from "../ckit/index.ts";
import type { Hotpath } from "../hotpath/index.ts";
import type { Clock } from "../util/index.ts";
import type { Logger } from "../util/index.ts";
import { parseHostPort, formatHostPort, normalizeHost } from "../net/index.ts";
import { H2StreamConn } from "./ckit-stream-conn.ts";
import { TransportClosedError, TransportNetError, TransportTimeoutError } from "../transport/index.ts";

export interface TlsClientOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface ClientOptions {
  hot: Hotpath;
  clock: Clock;
  logger: Logger;
  metrics: TransportMetrics;
  maxFrame: number;
  /** Total queued packets across peers (default 1000, ckit's). */
  maxQueued: number;
  /** POST /message requests in flight per peer (default 4). */
  maxInflight: number;
  /** Largest /message body when batching queued packets (default 64 KiB; 1 = one packet per request). */
  maxBatchBytes: number;
  packetTimeoutMs: number;
  /** Close a session idle this long (default 60 s). */
  idleMs: number;
  tls?: TlsClientOptions;
  /** HTTP/2 settings we announce (window sizes). */
  settings: http2.Settings;
  /** Our advertised host:port, sent with packets (gossamer-from) so receivers report it as the source. */
  advertise: string;
  localWindowSize: number;
}

interface Outbox {
  readonly addr: string;
  queue: Uint8Array[];
  head: number;
  inflight: number;
  scheduled: boolean;
}

export class CkitClient {
  readonly #o: ClientOptions;
  readonly #sessions = new Map<string, ClientHttp2Session>();
  readonly #outboxes = new Map<string, Outbox>();
  readonly #streams = new Set<ClientHttp2Stream>();
  #queued = 0;
  #closed = false;

  constructor(o: ClientOptions) {
    this.#o = o;
  }

  /** Packets waiting to be sent (cluster_transport_tx_packet_queue_length). */
  get queued(): number {
    return this.#queued;
  }

  get sessions(): number {
    return this.#sessions.size;
  }

  #session(addr: string): ClientHttp2Session {
    let s = this.#sessions.get(addr);
    if (s && !s.closed && !s.destroyed) return s;
    const o = this.#o;
    const { host: rawHost, port } = parseHostPort(addr);
    const host = normalizeHost(rawHost);
    const authority = `${o.tls ? "https" : "http"}://${formatHostPort(host, port)}`;
    // Our own socket: small gossip frames must not wait for Nagle (a 40 ms stall against delayed ACKs),
    // and the session's socket cannot be touched once HTTP/2 owns it.
    const connect = (): Duplex => {
      if (!o.tls) return net.connect({ host, port, noDelay: true });
      const t = tls.connect({ host, port, ALPNProtocols: ["h2"], ...(o.tls.ca ? { ca: o.tls.ca } : {}), ...(o.tls.cert ? { cert: o.tls.cert } : {}), ...(o.tls.key ? { key: o.tls.key } : {}), ...(net.isIP(host) ? {} : { servername: host }) });
      t.setNoDelay(true);
      return t;
    };
    s = http2.connect(authority, { settings: o.settings, maxSessionMemory: 64, createConnection: connect });
    const session = s;
    this.#sessions.set(addr, session);
    const drop = () => {
      if (this.#sessions.get(addr) === session) this.#sessions.delete(addr);
    };
    session.on("connect", () => {
      try {
        session.setLocalWindowSize(o.localWindowSize);
      } catch {
        /* session already gone */
      }
    });
    session.on("error", (err) => {
      o.logger.debug({ peer: addr, err: err.message }, "gossip session error");
      drop();
    });
    session.on("goaway", drop);
    session.on("close", drop);
    session.setTimeout(o.idleMs, () => session.close());
    return session;
  }

  // ---- packets

  sendPacket(to: string, buf: Uint8Array): void {
    if (this.#closed) return;
    let box = this.#outboxes.get(to);
    if (!box) this.#outboxes.set(to, (box = { addr: to, queue: [], head: 0, inflight: 0, scheduled: false }));
    if (this.#queued >= this.#o.maxQueued) this.#dropOldest(box);
    box.queue.push(buf);
    this.#queued++;
    if (!box.scheduled) {
      box.scheduled = true;
      queueMicrotask(() => {
        box.scheduled = false;
        this.#pump(box);
      });
    }
  }

  #dropOldest(prefer: Outbox): void {
    let victim = prefer.queue.length > prefer.head ? prefer : undefined;
    if (!victim) for (const b of this.#outboxes.values()) if (!victim || b.queue.length - b.head > victim.queue.length - victim.head) victim = b;
    if (!victim || victim.queue.length <= victim.head) return;
    const dropped = victim.queue[victim.head]!;
    victim.head++;
    this.#queued--;
    this.#o.metrics.txPackets(1, dropped.length);
    this.#o.metrics.txFailed(1);
    this.#compact(victim);
  }

  #compact(b: Outbox): void {
    if (b.head > 64 && b.head * 2 > b.queue.length) {
      b.queue = b.queue.slice(b.head);
      b.head = 0;
    }
  }

  #pump(box: Outbox): void {
    const o = this.#o;
    while (!this.#closed && box.inflight < o.maxInflight && box.queue.length > box.head) {
      const batch: Uint8Array[] = [];
      let size = 0;
      while (box.queue.length > box.head) {
        const next = box.queue[box.head]!;
        if (batch.length > 0 && size + next.length + 5 > o.maxBatchBytes) break;
        batch.push(next);
        size += next.length + 5;
        box.head++;
      }
      this.#queued -= batch.length;
      this.#compact(box);
      box.inflight++;
      this.#post(box, batch);
    }
    if (box.inflight === 0 && box.queue.length <= box.head) this.#outboxes.delete(box.addr);
  }

  #post(box: Outbox, batch: Uint8Array[]): void {
    const o = this.#o;
    let bytes = 0;
    for (const b of batch) bytes += b.length;
    o.metrics.txPackets(batch.length, bytes);
    let settled = false;
    const done = (ok: boolean, why?: string) => {
      if (settled) return;
      settled = true;
      o.clock.clearTimeout(timer);
      if (!ok) {
        o.metrics.txFailed(batch.length);
        o.logger.debug({ peer: box.addr, packets: batch.length, err: why }, "failed to send message");
      }
      box.inflight--;
      if (!this.#outboxes.has(box.addr) && box.queue.length > box.head) this.#outboxes.set(box.addr, box);
      this.#pump(box);
    };
    const timer = o.clock.setTimeout(() => {
      done(false, `no answer within ${o.packetTimeoutMs} ms`);
      if (!req.closed) req.close(constants.NGHTTP2_CANCEL);
    }, o.packetTimeoutMs);
    let req: ClientHttp2Stream;
    try {
      req = this.#session(box.addr).request(
        { ":method": "POST", ":path": MESSAGE_PATH, "content-type": CKIT_CONTENT_TYPE, [FROM_HEADER]: o.advertise },
        { endStream: false },
      );
    } catch (err) {
      done(false, (err as Error).message);
      return;
    }
    let status = 0;
    req.on("response", (h) => (status = Number(h[":status"])));
    req.on("error", (err) => done(false, err.message));
    req.on("close", () => done(status === 200, status ? `status ${status}` : "stream closed"));
    req.resume();
    req.end(encodeFrames(batch));
  }

  // ---- streams

  async dial(to: string, timeoutMs: number, remote: string): Promise<H2StreamConn> {
    if (this.#closed) throw new TransportClosedError("transport closed");
    const o = this.#o;
    let req: ClientHttp2Stream;
    try {
      req = this.#session(to).request({ ":method": "POST", ":path": STREAM_PATH, "content-type": CKIT_CONTENT_TYPE }, { endStream: false });
    } catch (err) {
      throw new TransportNetError(`dial ${to}: ${(err as Error).message}`, { cause: err });
    }
    this.#streams.add(req);
    req.once("close", () => this.#streams.delete(req));
    await new Promise<void>((resolve, reject) => {
      const timer = o.clock.setTimeout(() => {
        req.close(constants.NGHTTP2_CANCEL);
        reject(new TransportTimeoutError(`dial ${to}: timed out after ${timeoutMs} ms`));
      }, Math.max(1, timeoutMs));
      req.once("response", (h) => {
        o.clock.clearTimeout(timer);
        const status = Number(h[":status"]);
        if (status === 200) return resolve();
        req.close(constants.NGHTTP2_CANCEL);
        reject(new TransportNetError(`dial ${to}: stream answered ${status}`));
      });
      req.once("error", (err) => {
        o.clock.clearTimeout(timer);
        reject(new TransportNetError(`dial ${to}: ${err.message}`, { cause: err }));
      });
    });
    return new H2StreamConn(req, remote, { hot: o.hot, clock: o.clock, metrics: o.metrics, maxFrame: o.maxFrame, onClose: () => {} });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#queued = 0;
    this.#outboxes.clear();
    for (const s of this.#streams) s.close(constants.NGHTTP2_CANCEL);
    const all = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(
      all.map(
        (s) =>
          new Promise<void>((r) => {
            if (s.destroyed) return r();
            s.once("close", () => r());
            s.destroy();
          }),
      ),
    );
  }
}
