// Node UDP + TCP transport on ONE port (memberlist's NetTransport contract, docs/protocols/memberlist.md §1):
// TCP binds first (port 0 lets the kernel pick) and UDP reuses that number. IPv4 and IPv6 binds; a
// "::" bind is dual-stack. The advertise address is separate from the bind address.
//
// Optional multi-pool mux (docs/protocols/pool-mux.md §1, euforia/gossip layout): several memberlist pools share the
// port. Datagrams `FE <poolId u8> <memberlist packet>` go to that pool, anything else to the native
// (un-prefixed) handler; TCP connections opening with `FE <poolId>` are streams of that pool. A memberlist
// packet or stream never begins with 0xFE (types 0–13, label 244, encryption versions 0/1), so native
// memberlist peers and pools coexist. Wire constant: POOL_MAGIC = 0xFE (append-only family).
//
// With `foreignStreams` (the pools API, src/node/pools.ts), every accepted connection's first two bytes
// are read at the socket level (waiting for both, under PREFIX_TIMEOUT_MS) before anything else: `FE id`
// makes it a pool stream as above, anything else is handed over as a raw socket with those two bytes
// (application listeners and non-muxed protocols; they are not charged to the stream budget).
//
// Invariants: sendPacket never throws for network errors (logged at debug); accepted streams pass
// stream-admission.ts (--allowed-cidrs, a per-source cap, a total cap that evicts the oldest connection
// that has not spoken yet, a short deadline for the first bytes; with foreignStreams only the CIDR check
// and the total cap); an accepted stream that never sends its pool prefix is closed after
// PREFIX_TIMEOUT_MS; bytes received on accepted streams are charged to a process-wide StreamBudget (a
// stream the budget refuses is closed; see stream-budget.ts); with allowedCidrs, datagrams from outside
// are dropped unread; every socket is closed by close().
import dgram from "node:dgram";
import net from "node:net";
import os from "node:os";
import { formatHostPort, hostFamily, normalizeHost, parseHostPort, type CidrSet } from "../net/index.ts";
import type { Platform } from "../platform/index.ts";
import type { Packet, StreamConn, Transport } from "../transport/index.ts";
import { SocketStreamConn } from "./stream-conn.ts";
import { processStreamBudget, type StreamBudget, type StreamBudgetStats } from "./stream-budget.ts";
import { ADMISSION_DEFAULTS, StreamAdmission, type AdmissionStats } from "./stream-admission.ts";
import { TransportClosedError, TransportNetError, TransportTimeoutError } from "../transport/index.ts";

/** First byte of a pool-muxed datagram or stream (followed by the u8 pool id). */
export const POOL_MAGIC = 0xfe;
const PREFIX_TIMEOUT_MS = 5_000;
const UDP_RECV_BUFFER_START = 2 * 1024 * 1024;

export interface TransportOptions {
  /** "host:port" to bind; port 0 lets the kernel choose (TCP first, UDP reuses the number). */
  bind: string;
  /** "host:port" others should use; port 0 or omitted = the bound port; host omitted = derived from bind. */
  advertise?: string;
  /** Concurrent accepted streams (default 256); when full, the oldest silent one is evicted or the new one refused. */
  maxStreams?: number;
  /** Concurrent accepted streams one source address may hold (default 16). */
  maxStreamsPerSource?: number;
  /** An accepted stream must send its first bytes within this many ms (default 2000). */
  firstByteTimeoutMs?: number;
  /** memberlist's CIDRsAllowed: streams and datagrams from other addresses are refused unread. */
  allowedCidrs?: CidrSet;
  /** Budget for bytes buffered by inbound streams (default: processStreamBudget, shared process-wide). */
  streamBudget?: StreamBudget;
  /**
   * Connections that are not pool streams: called with the raw socket (paused, the rest of its data
   * unread) and its first two bytes. Setting it routes every accepted connection by those two bytes.
   */
  foreignStreams?: (sock: net.Socket, prefix: Uint8Array) => void;
}

/** A Transport that also reports its bound address and serves muxed pools on the same sockets. */
export interface NodeTransport extends Transport {
  /** The bound address (host as bound, the real port). */
  bound(): { host: string; port: number };
  /** Effective UDP receive buffer size in bytes (what the kernel accepted). */
  udpRecvBufferSize(): number;
  /** A Transport for pool `id` (0–255) sharing this port: its packets and streams carry `FE id`. */
  pool(id: number): Transport;
  /** The inbound stream budget this transport charges (shared: counts every transport using it). */
  streamBudget(): StreamBudgetStats;
  /** Accepted-stream admission: open slots, refusals by reason, evictions, first-byte timeouts (UDP/TCP transport). */
  admission?(): AdmissionStats;
  /** Datagrams dropped because their source is outside allowedCidrs (UDP/TCP transport). */
  packetsRefused?(): number;
}

/** An accepted connection as admission sees it. */
interface Accepted {
  readonly source: string;
  destroy(): void;
}

interface Handlers {
  packet?: (p: Packet) => void;
  stream?: (s: StreamConn) => void;
}

/** The UDP+TCP transport on the platform's clock and logger. Every transport passes test/transport/conformance.ts. */
export async function createTransport(platform: Pick<Platform, "clock" | "logger">, opts: TransportOptions): Promise<NodeTransport> {
  const log = platform.logger.child({ component: "transport" });
  const clock = platform.clock;
  const bind = parseHostPort(opts.bind);
  const bindHost = normalizeHost(bind.host);
  const fam = hostFamily(bindHost);
  if (fam === 0) throw new TransportNetError(`bind host must be an IP literal, got ${JSON.stringify(bind.host)}`);
  const budget = opts.streamBudget ?? processStreamBudget;
  const cidrs = opts.allowedCidrs;
  const admission = new StreamAdmission<Accepted>({
    maxStreams: opts.maxStreams ?? ADMISSION_DEFAULTS.maxStreams,
    perSource: opts.maxStreamsPerSource ?? ADMISSION_DEFAULTS.perSource,
    firstByteMs: opts.firstByteTimeoutMs ?? ADMISSION_DEFAULTS.firstByteMs,
  });
  let packetsRefused = 0;

  const native: Handlers = {};
  const pools = new Map<number, Handlers>();
  const openStreams = new Set<net.Socket>();
  let closed = false;

  // ---- TCP first, so port 0 gets a kernel-chosen number that UDP then reuses.
  const server = net.createServer({ allowHalfOpen: false, noDelay: true });
  let udp!: dgram.Socket;
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    await listenTcp(server, bindHost, bind.port, fam === 6);
    port = (server.address() as net.AddressInfo).port;
    udp = dgram.createSocket({ type: fam === 6 ? "udp6" : "udp4", ipv6Only: bindHost !== "::" && fam === 6 });
    try {
      await bindUdp(udp, bindHost, port);
      break;
    } catch (err) {
      udp.removeAllListeners();
      await new Promise<void>((r) => server.close(() => r()));
      // With a kernel-chosen port the UDP number may be taken: pick again a few times.
      if (bind.port !== 0 || attempt >= 8) throw new TransportNetError(`bind udp ${formatHostPort(bindHost, port)}: ${(err as Error).message}`, { cause: err });
    }
  }
  let recvBuf = 0;
  for (let size = UDP_RECV_BUFFER_START; size >= 64 * 1024; size >>= 1) {
    try {
      udp.setRecvBufferSize(size);
      recvBuf = udp.getRecvBufferSize();
      break;
    } catch {
      /* halve until the kernel accepts */
    }
  }
  if (recvBuf === 0) recvBuf = udp.getRecvBufferSize();

  const adv = resolveAdvertise(opts.advertise, bindHost, port);
  log.info({ bind: formatHostPort(bindHost, port), advertise: formatHostPort(adv.host, adv.port), udpRecvBuffer: recvBuf }, "transport listening");

  // ---- UDP receive
  udp.on("message", (msg, rinfo) => {
    if (cidrs && !cidrs.contains(rinfo.address)) {
      packetsRefused++;
      return log.debug({ from: rinfo.address }, "dropped datagram: source outside allowed CIDRs");
    }
    const buf = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
    const from = formatHostPort(rinfo.address, rinfo.port);
    const timestamp = clock.now();
    if (buf.length > 0 && buf[0] === POOL_MAGIC) {
      if (buf.length < 2) return log.debug({ from }, "dropped short pool datagram");
      const h = pools.get(buf[1]!);
      if (!h?.packet) return log.debug({ from, pool: buf[1] }, "dropped datagram for unknown pool");
      h.packet({ buf: buf.subarray(2), from, timestamp });
      return;
    }
    native.packet?.({ buf, from, timestamp });
  });
  udp.on("error", (err) => log.warn({ err: err.message }, "udp socket error"));

  // ---- TCP accept: peek for the pool prefix, then hand the stream to its handler.
  server.on("connection", (sock) => {
    if (closed) return void sock.destroy();
    const source = normalizeHost(sock.remoteAddress ?? "0.0.0.0");
    if (opts.foreignStreams) {
      if (cidrs && !cidrs.contains(source)) {
        admission.counters.refused.cidr++;
        log.warn({ from: source, reason: "cidr" }, "refusing stream");
        return void sock.destroy();
      }
      return classify(sock, opts.foreignStreams);
    }
    const entry: Accepted = { source, destroy: () => sock.destroy() };
    const refused = admission.admit(entry, !cidrs || cidrs.contains(source));
    if (refused !== null) {
      log.warn({ from: source, reason: refused, held: admission.heldBy(source), open: openStreams.size }, "refusing stream");
      sock.destroy();
      return;
    }
    openStreams.add(sock);
    sock.setNoDelay(true);
    const firstByte = setTimeout(() => {
      if (admission.firstByteDeadline(entry)) {
        log.warn({ from: source, ms: admission.o.firstByteMs }, "closing stream: no bytes before the first-byte deadline");
        sock.destroy();
      }
    }, admission.o.firstByteMs);
    firstByte.unref();
    sock.once("data", () => {
      clearTimeout(firstByte);
      admission.spoke(entry);
    });
    const remote = formatHostPort(sock.remoteAddress ?? "0.0.0.0", sock.remotePort ?? 0);
    const conn = new SocketStreamConn(sock, remote, clock, {
      onClose: () => {
        clearTimeout(firstByte);
        admission.closed(entry);
        openStreams.delete(sock);
      },
      budget,
      onOverBudget: () => {
        if (budget.firstRefusal()) log.warn({ remote, ...budget.stats() }, "inbound stream budget exhausted: closing streams that need more until it frees");
      },
    });
    void routeAccepted(conn, remote).catch((err: unknown) => {
      log.debug({ remote, err: (err as Error).message }, "stream closed before routing");
      conn.close();
    });
  });
  server.on("error", (err) => log.warn({ err: err.message }, "tcp server error"));

  async function routeAccepted(conn: SocketStreamConn, remote: string): Promise<void> {
    if (pools.size === 0) {
      if (native.stream) native.stream(conn);
      else conn.close();
      return;
    }
    conn.setDeadline(clock.now() + PREFIX_TIMEOUT_MS);
    const first = await conn.read();
    if (first === null) return conn.close();
    if (first[0] !== POOL_MAGIC) {
      conn.unshift(first);
      conn.setDeadline(0);
      if (native.stream) native.stream(conn);
      else conn.close();
      return;
    }
    let rest = first.subarray(1);
    if (rest.length === 0) {
      const second = await conn.read();
      if (second === null) return conn.close();
      rest = second;
    }
    const id = rest[0]!;
    conn.unshift(rest.subarray(1));
    conn.setDeadline(0);
    const h = pools.get(id);
    if (!h?.stream) {
      log.debug({ remote, pool: id }, "closing stream for unknown pool");
      return conn.close();
    }
    h.stream(conn);
  }

  /**
   * Reads exactly two bytes (however they are split) under the prefix deadline, then routes the socket.
   * Reading in paused mode ('readable' + read(2)) leaves the rest of the data buffered and the socket in
   * its initial flow state, so whoever gets it reads it like a fresh connection.
   */
  function classify(sock: net.Socket, foreign: (sock: net.Socket, prefix: Uint8Array) => void): void {
    openStreams.add(sock);
    sock.setNoDelay(true);
    const timer = setTimeout(() => {
      log.debug({ buffered: sock.readableLength }, "closing connection: no 2-byte prefix in time");
      sock.destroy();
    }, PREFIX_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      sock.removeListener("readable", onReadable);
      sock.removeListener("error", onError);
      sock.removeListener("close", onClose);
    };
    const onError = () => sock.destroy();
    const onClose = () => {
      done();
      openStreams.delete(sock);
    };
    const onReadable = () => {
      const head = sock.read(2) as Buffer | null;
      if (head === null) return; // fewer than two bytes so far
      done();
      const prefix = Uint8Array.from(head);
      if (prefix[0] === POOL_MAGIC) {
        const h = pools.get(prefix[1]!);
        if (!h?.stream || openStreams.size > admission.o.maxStreams) {
          log.debug({ pool: prefix[1] }, "closing stream for unknown pool");
          return void sock.destroy();
        }
        const remote = formatHostPort(sock.remoteAddress ?? "0.0.0.0", sock.remotePort ?? 0);
        const conn = new SocketStreamConn(sock, remote, clock, {
          onClose: () => openStreams.delete(sock),
          budget,
          onOverBudget: () => {
            if (budget.firstRefusal()) log.warn({ remote, ...budget.stats() }, "inbound stream budget exhausted: closing streams that need more until it frees");
          },
        });
        h.stream(conn);
        return;
      }
      openStreams.delete(sock);
      foreign(sock, prefix);
    };
    sock.on("readable", onReadable);
    sock.on("error", onError);
    sock.on("close", onClose);
  }

  function toUdpTarget(to: string): { host: string; port: number } | undefined {
    const t = parseHostPort(to);
    const tf = hostFamily(t.host);
    if (fam === 6 && tf === 4) return { host: `::ffff:${t.host}`, port: t.port };
    if (fam === 4 && tf === 6) return undefined;
    return t;
  }

  function send(to: string, buf: Uint8Array, prefix?: Uint8Array): void {
    if (closed) return;
    let target: { host: string; port: number } | undefined;
    try {
      target = toUdpTarget(to);
    } catch (err) {
      log.debug({ to, err: (err as Error).message }, "bad packet destination");
      return;
    }
    if (!target) return log.debug({ to }, "cannot reach IPv6 destination from an IPv4 socket");
    const data = prefix ? [prefix, buf] : buf;
    try {
      udp.send(data, target.port, target.host, (err) => {
        if (err) log.debug({ to, err: err.message }, "udp send failed");
      });
    } catch (err) {
      log.debug({ to, err: (err as Error).message }, "udp send failed");
    }
  }

  async function dial(to: string, timeoutMs: number, prefix?: Uint8Array): Promise<StreamConn> {
    if (closed) throw new TransportClosedError("transport closed");
    const t = parseHostPort(to);
    const sock = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: normalizeHost(t.host), port: t.port, noDelay: true });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new TransportTimeoutError(`dial ${to}: timed out after ${timeoutMs} ms`));
      }, Math.max(1, timeoutMs));
      s.once("connect", () => {
        clearTimeout(timer);
        s.removeAllListeners("error");
        resolve(s);
      });
      s.once("error", (err) => {
        clearTimeout(timer);
        reject(new TransportNetError(`dial ${to}: ${err.message}`, { cause: err }));
      });
    });
    openStreams.add(sock);
    const conn = new SocketStreamConn(sock, formatHostPort(t.host, t.port), clock, { onClose: () => openStreams.delete(sock) });
    if (prefix) await conn.write(prefix);
    return conn;
  }

  const transport: NodeTransport = {
    advertise: () => ({ ...adv }),
    bound: () => ({ host: bindHost, port }),
    udpRecvBufferSize: () => recvBuf,
    streamBudget: () => budget.stats(),
    admission: () => admission.stats(),
    packetsRefused: () => packetsRefused,
    sendPacket: (to, buf) => send(to, buf),
    dialStream: (to, timeoutMs) => dial(to, timeoutMs),
    onPacket: (h) => {
      native.packet = h;
    },
    onStream: (h) => {
      native.stream = h;
    },
    pool(id: number): Transport {
      if (!Number.isInteger(id) || id < 0 || id > 255) throw new RangeError(`pool id must be 0..255, got ${id}`);
      const handlers: Handlers = {};
      pools.set(id, handlers);
      const prefix = Uint8Array.of(POOL_MAGIC, id);
      return {
        advertise: () => ({ ...adv }),
        sendPacket: (to, buf) => send(to, buf, prefix),
        dialStream: (to, timeoutMs) => dial(to, timeoutMs, prefix),
        onPacket: (h) => {
          handlers.packet = h;
        },
        onStream: (h) => {
          handlers.stream = h;
        },
        close: async () => {
          if (pools.get(id) === handlers) pools.delete(id);
        },
      };
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const s of openStreams) s.destroy();
      openStreams.clear();
      await Promise.all([
        new Promise<void>((r) => server.close(() => r())),
        new Promise<void>((r) => {
          try {
            udp.close(() => r());
          } catch {
            r();
          }
        }),
      ]);
      log.debug({}, "transport closed");
    },
  };
  return transport;
}

function listenTcp(server: net.Server, host: string, port: number, v6: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const onErr = (err: Error) => reject(new TransportNetError(`bind tcp ${formatHostPort(host, port)}: ${err.message}`, { cause: err }));
    server.once("error", onErr);
    server.listen({ host, port, ipv6Only: v6 && host !== "::" ? true : false, exclusive: true }, () => {
      server.removeListener("error", onErr);
      resolve();
    });
  });
}

function bindUdp(sock: dgram.Socket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onErr = (err: Error) => reject(err);
    sock.once("error", onErr);
    sock.bind({ address: host, port, exclusive: true }, () => {
      sock.removeListener("error", onErr);
      resolve();
    });
  });
}

/** Advertise address: explicit, else the bind host, else (unspecified bind) a private interface IP. */
function resolveAdvertise(advertise: string | undefined, bindHost: string, port: number): { host: string; port: number } {
  if (advertise) {
    const a = parseHostPort(advertise, port);
    if (hostFamily(a.host) === 0) throw new TransportNetError(`advertise host must be an IP literal, got ${JSON.stringify(a.host)}`);
    return { host: normalizeHost(a.host), port: a.port === 0 ? port : a.port };
  }
  if (bindHost !== "0.0.0.0" && bindHost !== "::") return { host: bindHost, port };
  const want = bindHost === "::" ? ["IPv4", "IPv6"] : ["IPv4"];
  for (const family of want) {
    for (const addrs of Object.values(os.networkInterfaces())) {
      for (const a of addrs ?? []) {
        if (!a.internal && a.family === family && !a.address.startsWith("fe80")) return { host: a.address, port };
      }
    }
  }
  return { host: bindHost === "::" ? "::1" : "127.0.0.1", port };
}
