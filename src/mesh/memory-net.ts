// An in-memory network for mesh simulations and tests: hosts by address, byte-stream connections with a
// fixed latency (writes in the same tick are delivered together, in order), FIN and RST closes, a
// broadcast domain for solicitations, and failure injection: crash a host (its connections reset), or
// black-hole it (connections stay open but nothing passes, so only deadlines notice). Runs on any Clock;
// with SimClock everything is deterministic and synchronous. By default connections carry the real gob
// bytes; `objects: true` passes decoded items instead, for simulations too large to encode every hop.
import type { Clock } from "../util/index.ts";
import type { LinkItem, MeshConn, MeshConnCloseReason, MeshTransport } from "./transport.ts";

interface Handlers {
  data(chunk: Uint8Array): void;
  item(x: LinkItem): void;
  close(reason: MeshConnCloseReason): void;
}


class MemoryConn implements MeshConn {
  readonly remoteAddress: string;
  readonly host: MemoryHost;
  peer!: MemoryConn;
  private handlers: Handlers | null = null;
  /** Bytes (byte-carrying connections) or items (object-carrying ones) in flight to this end. */
  private inbox: (Uint8Array | LinkItem)[] = [];
  writeItem?: (item: LinkItem) => void;
  private pendingClose: MeshConnCloseReason | null = null;
  private scheduled = false;
  closed = false;
  private readonly net: MemoryMeshNetwork;

  constructor(net: MemoryMeshNetwork, host: MemoryHost, remoteAddress: string) {
    this.net = net;
    this.host = host;
    this.remoteAddress = remoteAddress;
    if (net.objects) this.writeItem = (item) => this.send(item, 64);
  }

  get bufferedAmount(): number {
    return 0;
  }

  start(h: Handlers): void {
    this.handlers = h;
    this.flush();
  }

  write(bytes: Uint8Array): void {
    this.send(bytes.slice(), bytes.length);
  }

  private send(x: Uint8Array | LinkItem, size: number): void {
    if (this.closed) return;
    if (this.host.blackholed || this.peer.host.blackholed) return;
    if (this.peer.closed) {
      // TCP answers data for a socket that no longer exists with an RST.
      this.enqueue(null, "reset");
      return;
    }
    this.net.bytes += size;
    this.net.writes++;
    this.peer.enqueue(x);
  }

  /** Called on the receiving end: queue and schedule one delivery per tick. */
  enqueue(x: Uint8Array | LinkItem | null, close?: MeshConnCloseReason): void {
    if (x !== null) this.inbox.push(x);
    if (close) {
      if (close === "reset") this.inbox = [];
      this.pendingClose ??= close;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      this.net.clock.setTimeout(() => {
        this.scheduled = false;
        this.flush();
      }, this.net.latencyMs);
    }
  }

  private flush(): void {
    if (!this.handlers || this.closed) return;
    const batch = this.inbox;
    this.inbox = [];
    for (const b of batch) {
      if (this.closed) return;
      if (b instanceof Uint8Array) this.handlers.data(b);
      else this.handlers.item(b);
    }
    if (this.pendingClose && !this.closed) {
      this.closed = true;
      this.host.conns.delete(this);
      this.handlers.close(this.pendingClose);
    }
  }

  close(): void {
    this.end("eof");
  }

  destroy(): void {
    this.end("reset");
  }

  private end(kind: MeshConnCloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.host.conns.delete(this);
    if (!this.peer.closed && !this.host.blackholed && !this.peer.host.blackholed) this.peer.enqueue(null, kind);
  }
}

class MemoryHost implements MeshTransport {
  readonly address: string;
  readonly conns = new Set<MemoryConn>();
  blackholed = false;
  accept: ((conn: MeshConn) => void) | null = null;
  solicitation: ((payload: Uint8Array, from: string) => void) | null = null;
  private readonly net: MemoryMeshNetwork;

  constructor(net: MemoryMeshNetwork, address: string) {
    this.net = net;
    this.address = address;
  }

  async listen(accept: (conn: MeshConn) => void): Promise<void> {
    this.accept = accept;
  }

  dial(host: string, timeoutMs: number): Promise<MeshConn> {
    const target = this.net.hosts.get(host.replace(/:\d+$/, ""));
    return new Promise((res, rej) => {
      const clock = this.net.clock;
      // The dialler continues in a promise callback: a simulated clock must let it run before time moves.
      const settled = () => (clock as { markAsync?: () => void }).markAsync?.();
      const resolve = (c: MeshConn) => {
        res(c);
        settled();
      };
      const reject = (e: Error) => {
        rej(e);
        settled();
      };
      const timer = clock.setTimeout(() => reject(new Error(`dial ${host}: i/o timeout`)), timeoutMs);
      clock.setTimeout(() => {
        if (!target || !target.accept || this.blackholed || target.blackholed) {
          if (!target?.blackholed && !this.blackholed) {
            clock.clearTimeout(timer);
            reject(new Error(`dial ${host}: connection refused`));
          }
          return;
        }
        clock.clearTimeout(timer);
        const mine = new MemoryConn(this.net, this, target.address);
        const theirs = new MemoryConn(this.net, target, this.address);
        mine.peer = theirs;
        theirs.peer = mine;
        this.conns.add(mine);
        target.conns.add(theirs);
        target.accept(theirs);
        resolve(mine);
      }, this.net.latencyMs);
    });
  }

  solicit(payload: Uint8Array): void {
    if (this.blackholed) return;
    this.net.datagrams++;
    for (const h of this.net.hosts.values()) {
      if (h === this || h.blackholed || !h.solicitation) continue;
      const to = h;
      this.net.clock.setTimeout(() => to.solicitation?.(payload, this.address), this.net.latencyMs);
    }
  }

  onSolicitation(handler: (payload: Uint8Array, from: string) => void): void {
    this.solicitation = handler;
  }

  async close(): Promise<void> {
    this.accept = null;
    this.solicitation = null;
    for (const c of [...this.conns]) c.close();
  }
}

export class MemoryMeshNetwork {
  readonly clock: Clock;
  readonly latencyMs: number;
  /** Connections carry decoded items instead of gob bytes (see MeshConn.writeItem). */
  readonly objects: boolean;
  readonly hosts = new Map<string, MemoryHost>();
  /** Totals over the run: bytes and writes on connections, solicitation datagrams. */
  bytes = 0;
  writes = 0;
  datagrams = 0;

  constructor(clock: Clock, opts: { latencyMs?: number; objects?: boolean } = {}) {
    this.clock = clock;
    this.latencyMs = opts.latencyMs ?? 1;
    this.objects = opts.objects ?? false;
  }

  /** The transport of the host with this address (created on first use). */
  host(address: string): MeshTransport {
    let h = this.hosts.get(address);
    if (!h) this.hosts.set(address, (h = new MemoryHost(this, address)));
    return h;
  }

  /** The process on `address` dies: every connection is reset, nothing listens any more. */
  crash(address: string): void {
    const h = this.hosts.get(address);
    if (!h) return;
    h.accept = null;
    h.solicitation = null;
    // A black-holed host's peers learn nothing now; afterwards (the host is back, the process is not)
    // their next write to a dead connection is answered with an RST.
    for (const c of [...h.conns]) c.destroy();
    h.blackholed = false;
    this.hosts.delete(address);
  }

  /** Nothing reaches or leaves `address` any more (its connections stay open). */
  blackhole(address: string, on = true): void {
    const h = this.hosts.get(address);
    if (h) h.blackholed = on;
  }
}
