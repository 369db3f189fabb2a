// Client side of the gossiphttp transport (docs/protocols/ckit.md §3): one HTTP/2 session per peer
// address (h2c with prior knowledge, or TLS with ALPN h2), reused and re-opened when it fails.
//
// Packets (memberlist's UDP path) are never sent inline: sendPacket() queues and returns; the packets
// queued in one turn of the event loop leave together on the next microtask (no timers on the send
// path). Queues are per peer, bounded in total (ckit: 1000 entries, drop-oldest); overflow drops the
// oldest packet of the same peer (or, if it has none queued, of the peer with the longest queue) and
// counts it as failed. Two ways to send them (docs/protocols/ckit.md §3.1):
//  - "stream" (default): one long-lived POST /message per peer whose body stays open; each flush is one
//    write of the queued frames (ckit-message-stream.ts). It is ended when idle (streamIdleMs) or old
//    (streamMaxAgeMs) and the next packet opens a new one. A peer that answers or resets such a request
//    before its body ended does not take streamed bodies: it gets "request" mode for fallbackMs; unless
//    the request had been carrying packets for a while (a server read timeout or body limit), then its
//    streams are replaced at half that age instead, once.
//  - "request": each flush is its own POST /message with a content-length (up to maxInflight per peer,
//    up to maxBatchBytes per body; maxBatchBytes 0 sends one frame per request, exactly as ckit).
// Anything but a 200 answer counts the request's packets as failed; nothing is retried. A request (or
// a stream's pending data or answer) waiting longer than the packet timeout (ckit: 5 s) is cancelled as
// failed, by one sweep timer that runs only while requests are open.
//
// Streams (memberlist's TCP path): POST /stream with a request body left open; the dial resolves when
// the 200 response headers arrive (ckit does not check the status; we fail the dial on anything else).
import net from "node:net";
import tls from "node:tls";
import type { Duplex } from "node:stream";
import http2, { constants, type ClientHttp2Session, type ClientHttp2Stream, type OutgoingHttpHeaders } from "node:http2";
import { CKIT_CONTENT_TYPE, FROM_HEADER, MESSAGE_PATH, STREAM_PATH, encodeFrames, type TransportMetrics } from "../ckit/index.ts";
import type { Hotpath } from "../hotpath/index.ts";
import type { Clock, TimerHandle } from "../util/index.ts";
import type { Logger } from "../util/index.ts";
import { parseHostPort, formatHostPort, normalizeHost } from "../net/index.ts";
import { H2StreamConn } from "./ckit-stream-conn.ts";
import { MessageStream, type MessageStreamEnd } from "./ckit-message-stream.ts";
import { TransportClosedError, TransportNetError, TransportTimeoutError } from "../transport/index.ts";

export interface TlsClientOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

/** How packets travel (docs/protocols/ckit.md §3.1). */
export type PacketMode = "stream" | "request";

export interface ClientOptions {
  hot: Hotpath;
  clock: Clock;
  logger: Logger;
  metrics: TransportMetrics;
  maxFrame: number;
  /** Total queued packets across peers (default 1000, ckit's). */
  maxQueued: number;
  packetMode: PacketMode;
  /** Request mode: POST /message requests in flight per peer (default 4). */
  maxInflight: number;
  /** Request mode: largest body when batching queued packets (default 64 KiB; 0 or 1 = one packet per request). */
  maxBatchBytes: number;
  /** Stream mode: end a streaming request after this long without packets (default 10 s). */
  streamIdleMs: number;
  /** Stream mode: end a streaming request this old and start a new one (default 30 s). */
  streamMaxAgeMs: number;
  /** Stream mode: how long a peer that refused a streamed body is sent one request per batch (default 60 s). */
  fallbackMs: number;
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

interface Peer {
  readonly addr: string;
  queue: Uint8Array[];
  head: number;
  scheduled: boolean;
  /** Request mode: requests in flight. */
  inflight: number;
  /** Stream mode: the open streaming request. */
  tx: MessageStream | undefined;
  /** Clock time until which this peer gets request mode (it refused a streamed body). */
  requestUntil: number;
  /** Age at which this peer's streaming requests are replaced (shortened once if it cut one off). */
  maxAgeMs: number;
  /** Clock time until which a shortened maxAgeMs is remembered (0: not shortened). */
  shortenedUntil: number;
}

/**
 * A streamed request cut off after carrying packets this long is taken for a server limit (a read
 * timeout, a body limit), not a refusal: a peer that refuses streamed bodies answers or resets on the
 * headers, within a round trip. Large enough that a loaded event loop does not turn a refusal into it.
 */
const ADAPT_AFTER_MS = 2_000;
/** How long a learned replacement age is remembered for a peer with nothing going on. */
const REMEMBER_MS = 10 * 60_000;

interface Inflight {
  peer: Peer;
  req: ClientHttp2Stream;
  deadline: number;
  done(ok: boolean, why?: string): void;
}

export class CkitClient {
  readonly #o: ClientOptions;
  readonly #sessions = new Map<string, ClientHttp2Session>();
  readonly #peers = new Map<string, Peer>();
  readonly #streams = new Set<ClientHttp2Stream>();
  readonly #requests = new Set<Inflight>();
  readonly #txs = new Set<MessageStream>();
  readonly #messageHeaders: OutgoingHttpHeaders;
  #queued = 0;
  #closed = false;
  #sweep: TimerHandle | undefined;

  constructor(o: ClientOptions) {
    this.#o = o;
    this.#messageHeaders = { ":method": "POST", ":path": MESSAGE_PATH, "content-type": CKIT_CONTENT_TYPE, [FROM_HEADER]: o.advertise };
  }

  /** Packets waiting to be sent (cluster_transport_tx_packet_queue_length). */
  get queued(): number {
    return this.#queued;
  }

  get sessions(): number {
    return this.#sessions.size;
  }

  /** Open streaming /message requests, and peers currently sent one request per batch after a refusal. */
  get packetStreams(): { open: number; fallback: number } {
    const now = this.#o.clock.now();
    let fallback = 0;
    for (const p of this.#peers.values()) if (p.requestUntil > now) fallback++;
    return { open: this.#txs.size, fallback };
  }

  /** Opens the session to `addr` ahead of its first packet (a member joined). */
  warm(addr: string): void {
    if (this.#closed) return;
    try {
      this.#session(addr);
    } catch (err) {
      this.#o.logger.debug({ peer: addr, err: (err as Error).message }, "could not pre-open a gossip session");
    }
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
    let peer = this.#peers.get(to);
    if (!peer) this.#peers.set(to, (peer = { addr: to, queue: [], head: 0, scheduled: false, inflight: 0, tx: undefined, requestUntil: 0, maxAgeMs: this.#o.streamMaxAgeMs, shortenedUntil: 0 }));
    if (this.#queued >= this.#o.maxQueued) this.#dropOldest(peer);
    peer.queue.push(buf);
    this.#queued++;
    if (!peer.scheduled) {
      peer.scheduled = true;
      const p = peer;
      queueMicrotask(() => {
        p.scheduled = false;
        this.#pump(p);
      });
    }
  }

  #dropOldest(prefer: Peer): void {
    let victim = prefer.queue.length > prefer.head ? prefer : undefined;
    if (!victim) for (const p of this.#peers.values()) if (!victim || p.queue.length - p.head > victim.queue.length - victim.head) victim = p;
    if (!victim || victim.queue.length <= victim.head) return;
    const dropped = victim.queue[victim.head]!;
    victim.head++;
    this.#queued--;
    this.#o.metrics.txPackets(1, dropped.length);
    this.#o.metrics.txFailed(1);
    this.#compact(victim);
  }

  #compact(p: Peer): void {
    if (p.head === p.queue.length) {
      p.queue.length = 0;
      p.head = 0;
    } else if (p.head > 64 && p.head * 2 > p.queue.length) {
      p.queue = p.queue.slice(p.head);
      p.head = 0;
    }
  }

  /** Takes queued packets off the peer's queue (up to maxBytes of frames, at least one). */
  #take(p: Peer, maxBytes: number): { batch: Uint8Array[]; bytes: number } {
    const batch: Uint8Array[] = [];
    let size = 0;
    let bytes = 0;
    while (p.queue.length > p.head) {
      const next = p.queue[p.head]!;
      if (batch.length > 0 && size + next.length + 5 > maxBytes) break;
      batch.push(next);
      size += next.length + 5;
      bytes += next.length;
      p.head++;
    }
    this.#queued -= batch.length;
    this.#compact(p);
    return { batch, bytes };
  }

  #pump(p: Peer): void {
    if (this.#closed || p.queue.length <= p.head) return;
    const o = this.#o;
    if (o.packetMode === "stream" && p.requestUntil <= o.clock.now()) return this.#pumpStream(p);
    while (p.inflight < o.maxInflight && p.queue.length > p.head) {
      const { batch, bytes } = this.#take(p, o.maxBatchBytes);
      p.inflight++;
      this.#post(p, batch, bytes);
    }
  }

  // Stream mode: everything queued goes out as one write on the peer's open streaming request.
  #pumpStream(p: Peer): void {
    const o = this.#o;
    let tx = p.tx;
    if (tx && !tx.ended && o.clock.now() - tx.openedAt >= tx.maxAgeMs) tx.end(o.clock.now());
    if (tx && !tx.writable) {
      if (!tx.ended) return; // held back by flow control: wait for drain
      tx = undefined;
    }
    if (!tx) {
      try {
        tx = this.#openStream(p);
      } catch (err) {
        const { batch } = this.#take(p, Infinity);
        this.#failed(p.addr, batch.length, (err as Error).message);
        return;
      }
    }
    const { batch, bytes } = this.#take(p, Infinity);
    o.metrics.txPackets(batch.length, bytes);
    tx.write(encodeFrames(batch), batch.length, bytes, o.clock.now());
  }

  #openStream(p: Peer): MessageStream {
    const o = this.#o;
    const tx = new MessageStream(this.#session(p.addr), this.#messageHeaders, () => o.clock.now(), p.addr, {
      onDrain: () => this.#pump(p),
      onEnd: (s, end) => this.#streamEnded(p, s, end),
    });
    tx.maxAgeMs = p.maxAgeMs;
    p.tx = tx;
    this.#txs.add(tx);
    this.#armSweep();
    return tx;
  }

  #streamEnded(p: Peer, s: MessageStream, end: MessageStreamEnd): void {
    this.#txs.delete(s);
    if (p.tx === s) p.tx = undefined;
    if (!end.ok) this.#failed(p.addr, end.frames, end.why);
    if (end.rejected) this.#refused(p, s, end.why);
    this.#next(p);
  }

  /** The peer answered or reset a streamed request before its body ended. */
  #refused(p: Peer, s: MessageStream, why: string): void {
    const o = this.#o;
    const now = o.clock.now();
    const lived = now - s.openedAt;
    if (p.shortenedUntil === 0 && s.frames > 0 && lived >= ADAPT_AFTER_MS) {
      // It took packets for a while, then cut the request off: a read timeout or a body limit on the
      // server. Replace streams at half that age instead of giving streaming up. Learned once per peer
      // entry: a second cut-off (a limit that age does not explain) is a refusal.
      p.maxAgeMs = Math.min(p.maxAgeMs, Math.floor(lived / 2));
      p.shortenedUntil = now + REMEMBER_MS;
      o.logger.info({ peer: p.addr, why, livedMs: Math.round(lived), maxAgeMs: p.maxAgeMs }, "peer cut a streamed /message body off; replacing its requests sooner");
      return;
    }
    p.requestUntil = now + o.fallbackMs;
    o.logger.info({ peer: p.addr, why, fallbackMs: o.fallbackMs }, "peer refused a streamed /message body; sending one request per batch");
  }

  /** After a request finished: send what queued meanwhile, or forget a peer with nothing going on. */
  #next(p: Peer): void {
    if (this.#closed) return;
    if (p.queue.length > p.head) return this.#pump(p);
    if (this.#idle(p, this.#o.clock.now()) && this.#peers.get(p.addr) === p) this.#peers.delete(p.addr);
  }

  #idle(p: Peer, now: number): boolean {
    return p.queue.length <= p.head && p.inflight === 0 && !p.tx && !p.scheduled && p.requestUntil <= now && p.shortenedUntil <= now;
  }

  #failed(peer: string, packets: number, why: string): void {
    if (packets === 0) return;
    this.#o.metrics.txFailed(packets);
    this.#o.logger.debug({ peer, packets, err: why }, "failed to send message");
  }

  // Request mode: one POST per batch, with its length declared (as ckit's Go client sends it).
  #post(p: Peer, batch: Uint8Array[], bytes: number): void {
    const o = this.#o;
    o.metrics.txPackets(batch.length, bytes);
    const body = encodeFrames(batch);
    let settled = false;
    const entry: Inflight = {
      peer: p,
      req: undefined as unknown as ClientHttp2Stream,
      deadline: o.clock.now() + o.packetTimeoutMs,
      done: (ok, why) => {
        if (settled) return;
        settled = true;
        this.#requests.delete(entry);
        if (!ok) this.#failed(p.addr, batch.length, why ?? "failed");
        p.inflight--;
        this.#next(p);
      },
    };
    let req: ClientHttp2Stream;
    try {
      req = this.#session(p.addr).request({ ...this.#messageHeaders, "content-length": body.length }, { endStream: false });
    } catch (err) {
      entry.done(false, (err as Error).message);
      return;
    }
    entry.req = req;
    this.#requests.add(entry);
    this.#armSweep();
    let status = 0;
    req.on("response", (h) => (status = Number(h[":status"])));
    req.on("error", (err) => entry.done(false, err.message));
    req.on("close", () => entry.done(status === 200, status ? `status ${status}` : "stream closed"));
    req.resume();
    req.end(body);
  }

  // ---- the sweep: timeouts, idle and old streaming requests, forgotten peers

  #armSweep(): void {
    if (this.#sweep !== undefined || this.#closed) return;
    const o = this.#o;
    let minAge = o.streamMaxAgeMs;
    for (const tx of this.#txs) minAge = Math.min(minAge, tx.maxAgeMs);
    const every = Math.max(10, Math.min(1_000, o.packetTimeoutMs / 4, o.streamIdleMs / 2, minAge / 4));
    this.#sweep = o.clock.setTimeout(() => {
      this.#sweep = undefined;
      this.#sweepOnce();
    }, every);
    (this.#sweep as { unref?: () => void }).unref?.();
  }

  #sweepOnce(): void {
    const o = this.#o;
    const now = o.clock.now();
    for (const r of [...this.#requests]) {
      if (now < r.deadline) continue;
      r.done(false, `no answer within ${o.packetTimeoutMs} ms`);
      if (!r.req.closed) r.req.close(constants.NGHTTP2_CANCEL);
    }
    for (const tx of [...this.#txs]) {
      if (tx.stalled(now) >= o.packetTimeoutMs) tx.cancel(`no progress within ${o.packetTimeoutMs} ms`);
      else if (!tx.ended && (now - tx.lastWriteAt >= o.streamIdleMs || now - tx.openedAt >= tx.maxAgeMs)) tx.end(now);
    }
    for (const p of this.#peers.values()) {
      if (this.#idle(p, now)) this.#peers.delete(p.addr);
    }
    if (this.#requests.size > 0 || this.#txs.size > 0) this.#armSweep();
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

  /**
   * Ends streaming requests (what was written this turn still leaves: HTTP/2 sends on the next loop
   * turn), then tears the sessions down.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#sweep !== undefined) this.#o.clock.clearTimeout(this.#sweep);
    this.#sweep = undefined;
    this.#queued = 0;
    this.#peers.clear();
    const now = this.#o.clock.now();
    for (const tx of this.#txs) tx.end(now);
    if (this.#txs.size > 0) await new Promise((r) => setImmediate(r));
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
