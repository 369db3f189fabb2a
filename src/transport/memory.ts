// In-memory network for unit tests and simulation: many Transport endpoints on one simulated wire, with
// configurable loss, latency + jitter, partitions and crashed nodes, all driven by an injected clock (a
// SimClock for deterministic runs). Packets are delivered by clock timers straight into the receiver's
// handler (one copy, no promises), so large clusters simulate cheaply. Streams deliver ordered chunks;
// data across a partition is silently lost (the reader then hits its deadline), like a black-holed TCP.
import type { Clock, Random, TimerHandle } from "../util/index.ts";
import type { Packet, StreamConn, Transport } from "./transport.ts";
import { TransportClosedError, TransportNetError, TransportTimeoutError } from "./errors.ts";
import { seededRandom } from "../util/index.ts";


export interface MemoryNetworkOptions {
  /** One-way latency in ms (default 1). */
  latencyMs?: number;
  /** Uniform extra latency in [0, jitterMs) per packet (default 0). */
  jitterMs?: number;
  /** Packet loss probability in [0, 1] (default 0). Streams are not subject to random loss. */
  loss?: number;
  /** Random source for loss and jitter (default seededRandom(1)). */
  random?: Random;
}

/** Optional hook of SimClock: tells the runner to drain microtasks before advancing. */
interface AsyncAware {
  markAsync?(): void;
}

export interface NetworkStats {
  packetsSent: number;
  packetsDelivered: number;
  packetsLost: number;
  bytesSent: number;
}

export class MemoryNetwork {
  readonly clock: Clock;
  latencyMs: number;
  jitterMs: number;
  loss: number;
  private readonly random: Random;
  private readonly endpoints = new Map<string, MemoryTransport>();
  private readonly down = new Set<string>();
  private groupOf: Map<string, number> | null = null;
  private readonly slow = new Map<string, number>();
  private readonly udpBlocked = new Set<string>();
  readonly stats: NetworkStats = { packetsSent: 0, packetsDelivered: 0, packetsLost: 0, bytesSent: 0 };

  constructor(clock: Clock, opts: MemoryNetworkOptions = {}) {
    this.clock = clock;
    this.latencyMs = opts.latencyMs ?? 1;
    this.jitterMs = opts.jitterMs ?? 0;
    this.loss = opts.loss ?? 0;
    this.random = opts.random ?? seededRandom(1);
  }

  /** A transport bound to "host:port" (the host should be an IP literal: memberlist gossips it as bytes). */
  transport(address: string): MemoryTransport {
    if (this.endpoints.has(address)) throw new TransportNetError(`address ${address} in use`);
    const t = new MemoryTransport(this, address);
    this.endpoints.set(address, t);
    return t;
  }

  /** Split the network: nodes in different groups cannot reach each other; unlisted nodes reach everyone. */
  partition(...groups: string[][]): void {
    const m = new Map<string, number>();
    groups.forEach((g, i) => g.forEach((a) => m.set(a, i)));
    this.groupOf = m;
  }

  heal(): void {
    this.groupOf = null;
  }

  /** Crash (true) or revive (false) a node's network: everything to and from it is dropped while down. */
  setDown(address: string, isDown: boolean): void {
    if (isDown) this.down.add(address);
    else this.down.delete(address);
  }

  /**
   * Model an overloaded receiver (Lifeguard's "slow member"): packets to `address` are handled `extraMs`
   * later than the network latency. 0 removes the delay.
   */
  setReceiveDelay(address: string, extraMs: number): void {
    if (extraMs > 0) this.slow.set(address, extraMs);
    else this.slow.delete(address);
  }

  /** Drop every packet (not stream) to and from `address`: a member behind a UDP-hostile firewall. */
  setUdpBlocked(address: string, blocked: boolean): void {
    if (blocked) this.udpBlocked.add(address);
    else this.udpBlocked.delete(address);
  }

  reachable(from: string, to: string): boolean {
    if (this.down.has(from) || this.down.has(to)) return false;
    if (!this.groupOf) return true;
    const a = this.groupOf.get(from);
    const b = this.groupOf.get(to);
    return a === undefined || b === undefined || a === b;
  }

  /** @internal */
  delay(): number {
    return this.jitterMs > 0 ? this.latencyMs + this.random.next() * this.jitterMs : this.latencyMs;
  }

  /** @internal */
  sendPacket(from: string, to: string, buf: Uint8Array): void {
    this.stats.packetsSent++;
    this.stats.bytesSent += buf.length;
    if (this.loss > 0 && this.random.next() < this.loss) {
      this.stats.packetsLost++;
      return;
    }
    if (!this.reachable(from, to) || (this.udpBlocked.size > 0 && (this.udpBlocked.has(from) || this.udpBlocked.has(to)))) {
      this.stats.packetsLost++;
      return;
    }
    // A copy, as a real socket would make: receivers and senders never share (mutable) buffers.
    const data = buf.slice();
    this.clock.setTimeout(() => {
      const dst = this.endpoints.get(to);
      if (!dst || dst.closed || !dst.packetHandler || !this.reachable(from, to)) {
        this.stats.packetsLost++;
        return;
      }
      this.stats.packetsDelivered++;
      dst.packetHandler({ buf: data, from, timestamp: this.clock.now() });
    }, this.slow.size > 0 ? this.delay() + (this.slow.get(to) ?? 0) : this.delay());
  }

  /** @internal */
  dial(from: string, to: string, timeoutMs: number): Promise<StreamConn> {
    return new Promise((resolve, reject) => {
      const fail = (err: Error, after: number) =>
        this.clock.setTimeout(() => {
          this.markAsync();
          reject(err);
        }, after);
      if (!this.reachable(from, to)) return void fail(new TransportTimeoutError(`dial ${to}: i/o timeout`), timeoutMs);
      const dst = this.endpoints.get(to);
      if (!dst || dst.closed || !dst.streamHandler) {
        return void fail(new TransportNetError(`dial ${to}: connection refused`), 2 * this.latencyMs);
      }
      const lat = this.latencyMs;
      const a = new MemoryStream(this, from, to);
      const b = new MemoryStream(this, to, from);
      a.peer = b;
      b.peer = a;
      this.clock.setTimeout(() => {
        if (dst.closed || !dst.streamHandler) return;
        this.markAsync();
        dst.streamHandler(b);
      }, lat);
      this.clock.setTimeout(() => {
        this.markAsync();
        resolve(a);
      }, 2 * lat);
    });
  }

  /** @internal */
  markAsync(): void {
    (this.clock as AsyncAware).markAsync?.();
  }

  /** @internal */
  detach(address: string): void {
    this.endpoints.delete(address);
  }
}

export class MemoryTransport implements Transport {
  readonly net: MemoryNetwork;
  readonly address: string;
  closed = false;
  packetHandler: ((p: Packet) => void) | null = null;
  streamHandler: ((s: StreamConn) => void) | null = null;

  constructor(net: MemoryNetwork, address: string) {
    this.net = net;
    this.address = address;
  }

  advertise(): { host: string; port: number } {
    const i = this.address.lastIndexOf(":");
    let host = this.address.slice(0, i);
    if (host.startsWith("[")) host = host.slice(1, -1);
    return { host, port: Number(this.address.slice(i + 1)) };
  }

  sendPacket(to: string, buf: Uint8Array): void {
    if (this.closed) return;
    this.net.sendPacket(this.address, to, buf);
  }

  dialStream(to: string, timeoutMs: number): Promise<StreamConn> {
    if (this.closed) return Promise.reject(new TransportClosedError("transport closed"));
    return this.net.dial(this.address, to, timeoutMs);
  }

  onPacket(handler: (p: Packet) => void): void {
    this.packetHandler = handler;
  }

  onStream(handler: (s: StreamConn) => void): void {
    this.streamHandler = handler;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.net.detach(this.address);
  }
}

/** One end of an in-memory stream. Chunks arrive in order after the network latency. */
class MemoryStream implements StreamConn {
  readonly remote: string;
  private readonly local: string;
  private readonly net: MemoryNetwork;
  peer: MemoryStream | null = null;
  private readonly chunks: Uint8Array[] = [];
  private eof = false;
  private closed = false;
  private deadline = 0;
  private lastDelivery = 0;
  private waiter: { resolve: (b: Uint8Array | null) => void; reject: (e: Error) => void; timer: TimerHandle | null } | null = null;

  constructor(net: MemoryNetwork, local: string, remote: string) {
    this.net = net;
    this.local = local;
    this.remote = remote;
  }

  read(): Promise<Uint8Array | null> {
    if (this.chunks.length > 0) return Promise.resolve(this.chunks.shift()!);
    if (this.eof || this.closed) return Promise.resolve(null);
    if (this.waiter) return Promise.reject(new TransportClosedError("concurrent read on one stream"));
    return new Promise((resolve, reject) => {
      let timer: TimerHandle | null = null;
      if (this.deadline > 0) {
        const left = Math.max(0, this.deadline - this.net.clock.now());
        timer = this.net.clock.setTimeout(() => {
          this.waiter = null;
          this.net.markAsync();
          reject(new TransportTimeoutError(`read from ${this.remote}: i/o timeout`));
        }, left);
      }
      this.waiter = { resolve, reject, timer };
    });
  }

  async write(data: Uint8Array): Promise<void> {
    if (this.closed) throw new TransportClosedError("write on closed stream");
    const copy = data.slice();
    this.send(() => this.peer?.deliver(copy));
  }

  setDeadline(atMs: number): void {
    this.deadline = atMs;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.send(() => this.peer?.deliverEof());
    this.wake(null);
  }

  private send(fn: () => void): void {
    const net = this.net;
    const at = Math.max(this.lastDelivery, net.clock.now() + net.latencyMs);
    this.lastDelivery = at;
    const from = this.local;
    const to = this.remote;
    net.clock.setTimeout(() => {
      if (net.reachable(from, to)) fn();
    }, at - net.clock.now());
  }

  private deliver(chunk: Uint8Array): void {
    if (this.closed) return;
    if (this.waiter) this.wake(chunk);
    else this.chunks.push(chunk);
  }

  private deliverEof(): void {
    this.eof = true;
    this.wake(null);
  }

  private wake(v: Uint8Array | null): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = null;
    if (w.timer !== null) this.net.clock.clearTimeout(w.timer);
    this.net.markAsync();
    w.resolve(v);
  }
}
