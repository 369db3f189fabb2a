// Pools on one port (docs/protocols/pool-mux.md §3): euforia/gossip's API for several independent memberlist
// pools plus application listeners sharing ONE UDP+TCP port, on the pool mux of transport.ts
// (`FE id` pool traffic, docs/protocols/pool-mux.md §1). Its four known weaknesses are fixed here:
//  1. the 2-byte connection prefix is read until both bytes are in (upstream did one Read);
//  2. the prefix must arrive within a deadline (upstream waited forever: slowloris);
//  3. connections wait in a bounded backlog per listener; a full one refuses new connections instead of
//     stalling the accept loop for everybody (upstream's unbuffered channel send);
//  4. pool broadcasts go through memberlist's transmit-limited queue, bounded (oldest dropped, counted)
//     and within the packet size limit (upstream blocked when its channel was full and ignored the limit);
// and also: shutdown() closes every listener and connection, pools can be added and removed at run
// time, and pool ids must fit the one byte the wire carries (upstream truncated an int32).
import net from "node:net";
import type { Packet } from "../transport/index.ts";
import type { Logger } from "../util/index.ts";
import type { Platform } from "../platform/index.ts";
import { createMemberlist, defaultConfig, type Memberlist, type Delegate, type EventDelegate, type MemberlistConfig, type ProfileName } from "../memberlist/index.ts";
import { nodePlatform } from "./platform.ts";
import { GossamerError } from "../util/index.ts";
import { createTransport, POOL_MAGIC, type NodeTransport } from "./transport.ts";
import { parseHostPort, normalizeHost } from "../net/index.ts";
import { AsyncQueue } from "./pools-queue.ts";
import { TransportNetError, TransportTimeoutError } from "../transport/index.ts";

export class PoolError extends GossamerError {
  constructor(code: "pool.bad_id" | "pool.exists" | "pool.unknown" | "pool.closed" | "pool.listener_taken", message: string) {
    super(code, message);
  }
}

export interface GossipConfig {
  /** Node name every pool uses. */
  name: string;
  /** "host:port" for the shared UDP+TCP port (port 0 = kernel picks). */
  bind: string;
  advertise?: string;
  /** Runtime platform (clock, logger, hot path, metrics); default: a Node platform that logs nothing below warn. */
  platform?: Platform;
  /** Connections waiting in each application listener before new ones are refused (default 128). */
  listenerBacklog?: number;
  /** Non-gossip datagrams buffered for udpPackets() (default 1024, oldest dropped). */
  udpBacklog?: number;
}

/** memberlist's Delegate without getBroadcasts (pools broadcast through Pool.broadcast). */
export type PoolDelegate = Omit<Delegate, "getBroadcasts">;

export interface PoolConfig {
  /** 0–255: the byte after FE on the wire. */
  id: number;
  /** Timing preset (default "lan"). */
  profile?: ProfileName;
  /** memberlist settings over the preset (name and transport come from the Gossip). */
  config?: Partial<MemberlistConfig>;
  delegate?: PoolDelegate;
  events?: EventDelegate;
  /** Pool broadcasts kept queued (default 256); the most transmitted are dropped past it. */
  broadcastQueue?: number;
}

export class Pool {
  readonly id: number;
  readonly memberlist: Memberlist;
  readonly #max: number;
  #dropped = 0;

  constructor(id: number, ml: Memberlist, maxQueued: number) {
    this.id = id;
    this.memberlist = ml;
    this.#max = maxQueued;
  }

  /**
   * Queues bytes to gossip to the pool. Never blocks: past the queue bound the most-transmitted
   * broadcasts are dropped (counted in `dropped`). Returns false when that happened.
   */
  broadcast(b: Uint8Array): boolean {
    const q = this.memberlist.broadcasts;
    q.queue(b);
    if (q.numQueued() <= this.#max) return true;
    const before = q.numQueued();
    q.prune(this.#max);
    this.#dropped += before - q.numQueued();
    return false;
  }

  get queued(): number {
    return this.memberlist.broadcasts.numQueued();
  }

  get dropped(): number {
    return this.#dropped;
  }

  join(addrs: string[]): Promise<number> {
    return this.memberlist.join(addrs);
  }
}

/** Connections for one application id (or for every non-muxed connection). */
export interface MuxListener extends AsyncIterable<net.Socket> {
  /** Next connection; rejects with PoolError("pool.closed") once closed. */
  accept(): Promise<net.Socket>;
  /** Connections waiting to be accepted. */
  readonly pending: number;
  /** Connections refused because the backlog was full. */
  readonly refused: number;
  close(): void;
}

export class Gossip {
  readonly name: string;
  readonly transport: NodeTransport;
  readonly #log: Logger;
  readonly #platform: Platform;
  readonly #pending = new Map<number, PoolConfig>();
  readonly #pools = new Map<number, Pool>();
  readonly #listeners = new Map<number, AsyncQueue<net.Socket>>();
  readonly #native: AsyncQueue<net.Socket>;
  readonly #udp: AsyncQueue<Packet>;
  readonly #backlog: number;
  readonly #sockets = new Set<net.Socket>();
  #started = false;
  #closed = false;

  private constructor(name: string, t: NodeTransport, platform: Platform, backlog: number, udpBacklog: number) {
    this.name = name;
    this.transport = t;
    this.#platform = platform;
    this.#log = platform.logger.child({ component: "gossip-pools" });
    this.#backlog = backlog;
    this.#native = new AsyncQueue<net.Socket>(backlog, "refuse", (s) => s.destroy());
    this.#udp = new AsyncQueue<Packet>(udpBacklog, "drop-oldest");
  }

  /** Binds the shared port at once (like upstream's New); pools start with start(). */
  static async create(c: GossipConfig): Promise<Gossip> {
    const platform = c.platform ?? nodePlatform({ logLevel: "warn" });
    let self: Gossip | undefined;
    const t = await createTransport(platform, {
      bind: c.bind,
      ...(c.advertise ? { advertise: c.advertise } : {}),
      foreignStreams: (sock, prefix) => (self ? self.#route(sock, prefix) : sock.destroy()),
    });
    self = new Gossip(c.name, t, platform, c.listenerBacklog ?? 128, c.udpBacklog ?? 1024);
    const g = self;
    t.onPacket((p) => g.#udp.push(p)); // datagrams that are not FE-prefixed
    t.onStream((s) => s.close()); // not reached: foreignStreams routes every connection
    return g;
  }

  #route(sock: net.Socket, prefix: Uint8Array): void {
    if (this.#closed) return void sock.destroy();
    const id = (prefix[0]! << 8) | prefix[1]!;
    const l = this.#listeners.get(id);
    this.#sockets.add(sock);
    sock.once("close", () => this.#sockets.delete(sock));
    if (l) {
      if (!l.push(sock)) this.#log.warn({ id, backlog: this.#backlog }, "listener backlog full: connection refused");
      return;
    }
    sock.unshift(Buffer.from(prefix)); // non-muxed protocol: replay the two bytes
    if (!this.#native.push(sock)) this.#log.warn({ backlog: this.#backlog }, "native listener backlog full: connection refused");
  }

  /** Adds a pool; after start() it starts at once (upstream: only before Start). */
  async registerPool(pc: PoolConfig): Promise<Pool | undefined> {
    if (this.#closed) throw new PoolError("pool.closed", "gossip is shut down");
    if (!Number.isInteger(pc.id) || pc.id < 0 || pc.id > 255) throw new PoolError("pool.bad_id", `pool id must be 0..255 (one byte on the wire), got ${pc.id}`);
    if (this.#pools.has(pc.id) || this.#pending.has(pc.id)) throw new PoolError("pool.exists", `pool ${pc.id} already registered`);
    if (!this.#started) {
      this.#pending.set(pc.id, pc);
      return undefined;
    }
    return this.#startPool(pc);
  }

  async #startPool(pc: PoolConfig): Promise<Pool> {
    const d = pc.delegate ?? {};
    const cfg = defaultConfig(pc.profile ?? "lan", {
      ...(pc.config ?? {}),
      name: this.name,
      delegate: { ...d },
      ...(pc.events ? { events: pc.events } : {}),
    });
    const ml = await createMemberlist({ ...this.#platform, logger: this.#log.child({ pool: pc.id }) }, cfg, this.transport.pool(pc.id));
    const pool = new Pool(pc.id, ml, pc.broadcastQueue ?? 256);
    this.#pools.set(pc.id, pool);
    return pool;
  }

  /** Leaves (bounded) and stops a pool; its id can be registered again. */
  async removePool(id: number, leaveTimeoutMs = 2_000): Promise<void> {
    const p = this.#pools.get(id);
    if (!p) {
      if (this.#pending.delete(id)) return;
      throw new PoolError("pool.unknown", `no pool ${id}`);
    }
    this.#pools.delete(id);
    await p.memberlist.leave(leaveTimeoutMs);
    await p.memberlist.shutdown();
  }

  getPool(id: number): Pool | undefined {
    return this.#pools.get(id);
  }

  listPools(): number[] {
    return [...new Set([...this.#pools.keys(), ...this.#pending.keys()])].sort((a, b) => a - b);
  }

  /** A listener for connections opening with the u16 BE `id` (consumed). Ids 0xFE00–0xFEFF are pools'. */
  listen(id: number): MuxListener {
    if (!Number.isInteger(id) || id < 0 || id > 0xffff) throw new PoolError("pool.bad_id", `listener id must be a u16, got ${id}`);
    if (id >> 8 === POOL_MAGIC) throw new PoolError("pool.bad_id", `listener ids 0xFE00-0xFEFF are reserved for pools, got 0x${id.toString(16)}`);
    if (this.#listeners.has(id)) throw new PoolError("pool.listener_taken", `listener ${id} already registered`);
    const q = new AsyncQueue<net.Socket>(this.#backlog, "refuse", (s) => s.destroy());
    this.#listeners.set(id, q);
    return listenerOf(q, () => {
      if (this.#listeners.get(id) === q) this.#listeners.delete(id);
    });
  }

  /** Connections that are neither pool streams nor for a registered id, their first two bytes replayed. */
  listenTCP(): MuxListener {
    return listenerOf(this.#native, () => {});
  }

  /** Datagrams that are not pool gossip (bounded; the oldest are dropped). */
  udpPackets(): AsyncIterable<Packet> & { next(): Promise<Packet>; readonly dropped: number } {
    const q = this.#udp;
    return {
      next: () => q.next(),
      get dropped() {
        return q.dropped;
      },
      [Symbol.asyncIterator]: () => q.iterator(),
    };
  }

  /** Starts the pools registered so far. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    for (const pc of [...this.#pending.values()]) {
      this.#pending.delete(pc.id);
      await this.#startPool(pc);
    }
  }

  /** Leaves every pool (bounded), closes listeners, connections and the port. */
  async shutdown(leaveTimeoutMs = 2_000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#pools.keys()].map((id) => this.removePool(id, leaveTimeoutMs).catch(() => {})));
    for (const q of this.#listeners.values()) q.close();
    this.#listeners.clear();
    this.#native.close();
    this.#udp.close();
    for (const s of this.#sockets) s.destroy();
    await this.transport.close();
  }
}

function listenerOf(q: AsyncQueue<net.Socket>, onClose: () => void): MuxListener {
  return {
    accept: () => q.next(),
    get pending() {
      return q.size;
    },
    get refused() {
      return q.refused;
    },
    close() {
      onClose();
      q.close();
    },
    [Symbol.asyncIterator]: () => q.iterator(),
  };
}

/**
 * Client side of application listeners (upstream transport.DialTimeout): connects and writes the u16 BE
 * id; the socket is then the application's.
 */
export function dial(addr: string, id: number, timeoutMs = 5_000): Promise<net.Socket> {
  if (!Number.isInteger(id) || id < 0 || id > 0xffff || id >> 8 === POOL_MAGIC) return Promise.reject(new PoolError("pool.bad_id", `bad listener id ${id}`));
  const { host, port } = parseHostPort(addr);
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: normalizeHost(host), port, noDelay: true });
    const t = setTimeout(() => {
      s.destroy();
      reject(new TransportTimeoutError(`dial ${addr}: timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    s.once("connect", () => {
      clearTimeout(t);
      s.removeAllListeners("error");
      s.write(Uint8Array.of(id >> 8, id & 0xff));
      resolve(s);
    });
    s.once("error", (err) => {
      clearTimeout(t);
      reject(new TransportNetError(`dial ${addr}: ${err.message}`, { cause: err }));
    });
  });
}
