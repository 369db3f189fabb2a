// The cluster fabric on Node: several `gossamer relay` processes behind one load balancer act as one
// relay (openZro ADR-0014 as implemented; docs/protocols/relay-fabric.md §1). Plain TCP on the cluster port, one
// long-lived stream per pod pair:
// - dialer: connects (3 s timeout), sends HELLO v2 first, keys the stream by the address it dialled;
// - acceptor: the first frame must be a valid HELLO within 10 s (else rejected, counted by reason, and
//   the socket destroyed without a reply); keys the stream by the announced address; at most 64
//   connections wait for their HELLO at once (the oldest goes first), with at most 4 MiB sent ahead;
// - secure by default: without a secret the fabric refuses to start unless `insecure` is set
//   (docs/security.md); the CLI listens on loopback unless --cluster-listen says otherwise;
// - static peers (--cluster-peers) and, optionally, the A records of a headless DNS name
//   (--cluster-headless) are (re)dialled every 10 s, the first run at once; vanished pods are torn
//   down by EOF, not by discovery.
// The protocol itself (lookups, FWD, presence, de-duplication) is the portable ClusterFabric.
import { promises as dns } from "node:dns";
import { createServer, connect } from "node:net";
import type { AddressInfo, Server, Socket } from "node:net";
import { formatHostPort, parseHostPort } from "../net/index.ts";
import type { Platform } from "../platform/index.ts";
import {
  ClusterFabric,
  DIAL_TIMEOUT_MS,
  createClusterFabric,
  FabricConfigError,
  FabricHelloError,
  FabricStats,
  FrameReader,
  HELLO_DEADLINE_MS,
  HelloAuth,
  REDIAL_INTERVAL_MS,
  registerFabricMetrics,
  type FabricRelay,
  type FabricStream,
  type RawFrame,
  type RelayClusterOptions,
} from "../relay/index.ts";
import type { Logger } from "../util/index.ts";

export type { RelayClusterOptions };

/** Largest send backlog per stream before FWD frames are dropped (counted as send_error). */
const MAX_STREAM_BUFFER = 8 * 1024 * 1024;
/** Frames an accepted stream may send while its HELLO is being checked (the snapshot fits easily). */
const MAX_PRE_HELLO_FRAMES = 4096;
/** Bytes of those frames (a HELLO check takes microseconds; nothing legitimate comes near). */
const MAX_PRE_HELLO_BYTES = 4 * 1024 * 1024;
/** Accepted connections waiting for their HELLO at once; past it the oldest waiting one is closed. */
const MAX_PENDING_HELLOS = 64;

class TcpStream implements FabricStream {
  readonly addr: string;
  readonly dialed: boolean;
  private readonly sock: Socket;
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  constructor(sock: Socket, addr: string, dialed: boolean) {
    this.sock = sock;
    this.addr = addr;
    this.dialed = dialed;
  }
  send(frame: Uint8Array): boolean {
    const s = this.sock;
    if (s.destroyed || !s.writable || s.writableLength + this.batchBytes > MAX_STREAM_BUFFER) return false;
    // Coalesce the frames of one event-loop turn into one write (one syscall, one write request).
    if (this.batch.length === 0) process.nextTick(() => this.flush());
    this.batch.push(frame);
    this.batchBytes += frame.length;
    return true;
  }
  private flush(): void {
    const b = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (this.sock.destroyed) return;
    this.sock.write(b.length === 1 ? b[0]! : Buffer.concat(b));
  }
  close(): void {
    this.sock.destroy();
  }
}

export class RelayCluster {
  readonly fabric: ClusterFabric;
  readonly stats: FabricStats;
  private readonly platform: Platform;
  private readonly o: RelayClusterOptions;
  private readonly log: Logger;
  private readonly hello: HelloAuth;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  /** Accepted sockets still waiting for their HELLO, oldest first. */
  private readonly pending = new Set<Socket>();
  private readonly dialing = new Set<string>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private closed = false;
  private selfAddr: string;
  private listenPort = 0;

  constructor(platform: Platform, o: RelayClusterOptions) {
    if (!o.secret && !o.insecure) {
      throw new FabricConfigError("the cluster fabric needs a shared secret (--cluster-auth-secret); an unsigned fabric lets anyone who reaches the cluster port evict peers and forge packets (set --cluster-insecure to run one on a trusted network)");
    }
    this.platform = platform;
    this.o = o;
    this.log = platform.logger.child({ component: "relay-cluster" });
    this.hello = new HelloAuth(o.secret ?? "", o.nowSec ?? (() => Math.floor(platform.wallClock() / 1000)));
    this.stats = new FabricStats();
    // The announced address is known only after listen() when it defaults to the bound port.
    this.selfAddr = o.announce ?? "";
    this.fabric = this.makeFabric();
  }

  private makeFabric(): ClusterFabric {
    return createClusterFabric({ clock: this.platform.clock, logger: this.log }, {
      self: this.selfAddr,
      stats: this.stats,
      ...(this.o.lookupWindowMs !== undefined ? { lookupWindowMs: this.o.lookupWindowMs } : {}),
      ...(this.o.cacheTtlMs !== undefined ? { cacheTtlMs: this.o.cacheTtlMs } : {}),
      ...(this.o.maxAnnouncedPerStream !== undefined ? { maxAnnouncedPerStream: this.o.maxAnnouncedPerStream } : {}),
    });
  }

  /** Our announced address. */
  get addr(): string {
    return this.fabric.self;
  }

  /** Opens the listener, registers the fabric's metrics on the platform's registry, and starts dialling. */
  async start(relay: FabricRelay): Promise<void> {
    const { host, port } = parseHostPort(this.o.listen);
    const server = createServer((sock) => this.accept(sock));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
    const a = server.address() as AddressInfo;
    this.listenPort = a.port;
    if (!this.selfAddr) {
      this.selfAddr = formatHostPort(a.address, a.port);
      this.fabric.self = this.selfAddr;
    }
    this.fabric.attach(relay);
    registerFabricMetrics(this.platform.metrics, this.fabric);
    this.log.info({ listen: formatHostPort(a.address, a.port), announce: this.selfAddr, peers: this.o.peers ?? [], signed: this.hello.signing }, "cluster listening");
    if (!this.hello.signing) this.log.warn({ listen: formatHostPort(a.address, a.port) }, "cluster fabric is UNAUTHENTICATED (--cluster-insecure): anyone who reaches this port can evict peers and forge packets");
    this.timer = setInterval(() => void this.discover(), this.o.redialMs ?? REDIAL_INTERVAL_MS);
    this.timer.unref();
    void this.discover();
  }

  /** Dials every known pod that has no stream (static list, then DNS). */
  async discover(): Promise<void> {
    if (this.closed) return;
    for (const p of this.o.peers ?? []) this.dial(p);
    if (this.o.headless) {
      let ips: string[] = [];
      try {
        // getaddrinfo (like Go's resolver: /etc/hosts, then the cluster DNS from resolv.conf)
        ips = (await dns.lookup(this.o.headless, { all: true, family: 4 })).map((r) => r.address);
      } catch (e) {
        this.log.debug({ name: this.o.headless, err: (e as Error).message }, "cluster DNS lookup failed");
      }
      const ownHost = this.selfAddr ? parseHostPort(this.selfAddr).host : "";
      for (const ip of ips) if (ip !== ownHost) this.dial(formatHostPort(ip, this.o.clusterPort ?? this.listenPort));
    }
  }

  /** Dials one pod unless it is us, already connected, or being dialled. */
  dial(addr: string): void {
    if (this.closed || addr === this.selfAddr || this.fabric.hasStream(addr) || this.dialing.has(addr)) return;
    let hp;
    try {
      hp = parseHostPort(addr);
    } catch (e) {
      this.log.warn({ pod: addr, err: (e as Error).message }, "bad cluster peer address");
      return;
    }
    this.dialing.add(addr);
    const sock = connect({ host: hp.host, port: hp.port });
    this.track(sock);
    const t = setTimeout(() => sock.destroy(new Error("dial timeout")), this.o.dialTimeoutMs ?? DIAL_TIMEOUT_MS);
    const helloFrame = this.hello.encode(this.selfAddr);
    helloFrame.catch(() => {}); // surfaced below if the connect succeeds
    sock.once("error", (e: Error) => {
      clearTimeout(t);
      this.dialing.delete(addr);
      this.log.debug({ pod: addr, err: e.message }, "cluster dial failed");
    });
    sock.once("connect", () => {
      clearTimeout(t);
      sock.setNoDelay(true);
      void helloFrame.then(
        (h) => {
          this.dialing.delete(addr);
          if (sock.destroyed) return;
          sock.write(h);
          this.established(sock, addr, true, []);
        },
        (e: unknown) => {
          this.dialing.delete(addr);
          this.log.error({ err: (e as Error).message }, "cannot build HELLO");
          sock.destroy();
        },
      );
    });
  }

  private accept(sock: Socket): void {
    if (this.closed) return void sock.destroy();
    this.track(sock);
    sock.setNoDelay(true);
    if (this.pending.size >= MAX_PENDING_HELLOS) {
      const oldest = this.pending.values().next().value!;
      this.pending.delete(oldest);
      this.stats.pendingHelloEvicted++;
      this.log.warn({ remote: `${oldest.remoteAddress}:${oldest.remotePort}`, waiting: MAX_PENDING_HELLOS }, "cluster connection closed: too many waiting for HELLO");
      oldest.destroy();
    }
    this.pending.add(sock);
    const reader = new FrameReader();
    const backlog: RawFrame[] = [];
    let backlogBytes = 0;
    let phase: "wait" | "verify" | "done" = "wait";
    const reject = (e: FabricHelloError) => {
      phase = "done";
      this.pending.delete(sock);
      clearTimeout(t);
      this.stats.helloReject(e.reason);
      this.log.warn({ remote: `${sock.remoteAddress}:${sock.remotePort}`, reason: e.reason, err: e.message }, "cluster HELLO rejected");
      sock.destroy();
    };
    const t = setTimeout(() => reject(new FabricHelloError("timeout", `no HELLO within ${this.o.helloDeadlineMs ?? HELLO_DEADLINE_MS} ms`)), this.o.helloDeadlineMs ?? HELLO_DEADLINE_MS);
    const onData = (chunk: Buffer) => {
      if (phase === "done") return;
      backlog.push(...reader.push(chunk));
      backlogBytes += chunk.length;
      if (backlog.length > MAX_PRE_HELLO_FRAMES || backlogBytes > MAX_PRE_HELLO_BYTES) {
        return reject(new FabricHelloError("malformed", `more than ${MAX_PRE_HELLO_FRAMES} frames or ${MAX_PRE_HELLO_BYTES} bytes before HELLO was checked`));
      }
      if (phase !== "wait" || backlog.length === 0) return;
      phase = "verify";
      const first = backlog.shift()!;
      this.hello.verify(first).then(
        (info) => {
          if (phase === "done" || sock.destroyed) return;
          phase = "done";
          this.pending.delete(sock);
          clearTimeout(t);
          sock.off("data", onData);
          if (info.addr === this.selfAddr) {
            this.log.warn({ addr: info.addr }, "cluster HELLO announces our own address; closing");
            return void sock.destroy();
          }
          this.established(sock, info.addr, false, backlog, reader);
        },
        (e: unknown) => {
          if (phase === "done") return;
          if (e instanceof FabricHelloError) reject(e);
          else reject(new FabricHelloError("malformed", `HELLO check failed: ${(e as Error).message}`, e));
        },
      );
    };
    sock.on("data", onData);
    sock.on("close", () => {
      clearTimeout(t);
      this.pending.delete(sock);
    });
  }

  /** A stream passed HELLO: register it with the fabric and pump its frames. */
  private established(sock: Socket, addr: string, dialed: boolean, backlog: RawFrame[], reader = new FrameReader()): void {
    if (this.closed) return void sock.destroy();
    const s = new TcpStream(sock, addr, dialed);
    if (!this.fabric.addStream(s)) {
      this.log.debug({ pod: addr, dialed }, "duplicate cluster stream closed");
      return void sock.destroy();
    }
    sock.on("close", () => this.fabric.removeStream(s));
    for (const f of backlog) this.fabric.onFrame(s, f);
    sock.on("data", (chunk: Buffer) => {
      for (const f of reader.push(chunk)) this.fabric.onFrame(s, f);
    });
  }

  private track(sock: Socket): void {
    this.sockets.add(sock);
    sock.on("error", (e: Error) => this.log.debug({ err: e.message }, "cluster socket error"));
    sock.on("close", () => this.sockets.delete(sock));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.fabric.close();
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    if (server) await new Promise<void>((r) => server.close(() => r()));
    this.log.info({}, "cluster stopped");
  }
}
