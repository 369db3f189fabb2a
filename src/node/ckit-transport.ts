// memberlist Transport over HTTP/2 in ckit's gossiphttp wire format (docs/protocols/ckit.md):
// packets are POST /api/v1/ckit/transport/message, streams are full-duplex POST .../stream, frames
// CC u16 / CD u32. Interoperates with grafana/ckit nodes (and our Go test peer in test/interop/).
//
// Two ways to run it:
//  - mounted: the application serves `transport.handler` on its own node:http2 server (like ckit's
//    Handler(), no extra port); `advertise` is then required (the host:port peers reach that server at);
//  - standalone: `listen` opens our own listener (h2c with prior knowledge, or TLS with ALPN h2), and
//    HTTP/1.x requests to the routes get 505.
// The memberlist address of a member is its HTTP host:port, so members on this transport and members on
// the UDP/TCP transport cannot form one cluster (see the README for bridging them).
//
// Inbound packets go straight to memberlist's handler; before one is registered they wait in a queue
// bounded like ckit's (1000, drop-oldest). Outbound queues, streaming and batching are in ckit-client.ts.
import type { Packet, StreamConn, Transport } from "../transport/index.ts";
import type { Platform } from "../platform/index.ts";
import type { Labels } from "../util/index.ts";
import { DEFAULT_MAX_FRAME, transportMetrics } from "../ckit/index.ts";
import { formatHostPort, hostFamily, normalizeHost, parseHostPort } from "../net/index.ts";
import { CkitClient, type PacketMode, type TlsClientOptions } from "./ckit-client.ts";
import { createHandler, type CkitHandler } from "./ckit-handler.ts";
import { listenGossip, type GossipListener, type TlsServerOptions } from "./ckit-listener.ts";
import { processStreamBudget, type StreamBudget } from "./stream-budget.ts";
import { TransportNetError } from "../transport/index.ts";

/** ckit: inbound and outbound packet queues hold 1000 entries. */
export const PACKET_QUEUE = 1000;
/** ckit's Node sets a 5 s packet timeout. */
export const PACKET_TIMEOUT_MS = 5_000;
const WINDOW = 4 * 1024 * 1024;

export interface CkitTransportOptions {
  /** "host:port" for a standalone listener; omit to mount `handler` on your own HTTP/2 server. */
  listen?: string;
  /** "host:port" peers use to reach us (required when mounted; default: the listener's address). */
  advertise?: string;
  /** TLS for both directions (https:// to peers, ALPN h2). `ca` set = peers must present certificates. */
  tls?: TlsServerOptions;
  packetTimeoutMs?: number;
  /** Largest frame payload accepted (default 10 MiB, ckit's memberlist packet size). */
  maxFrame?: number;
  /** Outbound packets queued in total (default 1000). */
  maxQueued?: number;
  /**
   * How packets travel (docs/protocols/ckit.md §3.1): "stream" (default) writes them as frames on one
   * long-lived POST /message per peer; "request" sends one POST per batch of queued packets, as ckit does.
   */
  packetMode?: PacketMode;
  /** Request mode: POST /message requests in flight per peer (default 4). */
  maxInflight?: number;
  /** Request mode: largest batched /message body (default 64 KiB; 0 = one packet per request, exactly as ckit). */
  maxBatchBytes?: number;
  /** Stream mode: a streaming /message request without packets this long is ended (default 10 s). */
  streamIdleMs?: number;
  /** Stream mode: a streaming /message request is ended and replaced at this age (default 30 s). */
  streamMaxAgeMs?: number;
  /** Stream mode: a peer that refused a streamed body gets request mode this long (default 60 s). */
  fallbackMs?: number;
  /** Concurrently accepted streams (default 256). */
  maxStreams?: number;
  streamBudget?: StreamBudget;
  /** Labels added to this transport's cluster_transport_* series. */
  metricsLabels?: Labels;
  /** Standalone listener: close connections that send no request prefix within this (default 10 s). */
  prefixTimeoutMs?: number;
}

export interface CkitHttpTransport extends Transport {
  /** Mount this on your node:http2 server (both routes live under handler.route). */
  readonly handler: CkitHandler;
  /** The standalone listener's address, or null when mounted. */
  bound(): { host: string; port: number } | null;
  /**
   * Open client sessions (one per peer), queued packets, open streaming /message requests, and peers
   * sent one request per batch because they refused a streamed body.
   */
  stats(): { sessions: number; queuedOut: number; queuedIn: number; packetStreams: number; fallbackPeers: number };
  /** Opens the session to a peer ahead of its first packet (memberlist: its next probe target). */
  warm(to: string): void;
}

export async function createCkitTransport(platform: Platform, o: CkitTransportOptions = {}): Promise<CkitHttpTransport> {
  const log = platform.logger.child({ component: "ckit-transport" });
  const hot = platform.hotpath.for("ckit-frames");
  const clock = platform.clock;
  const maxFrame = o.maxFrame ?? DEFAULT_MAX_FRAME;
  let closed = false;
  let onPacket: ((p: Packet) => void) | undefined;
  let onStream: ((s: StreamConn) => void) | undefined;
  const inbox: Packet[] = [];
  let client!: CkitClient;
  const metrics = transportMetrics(platform.metrics, { rx: () => inbox.length, tx: () => client?.queued ?? 0 }, o.metricsLabels);
  const settings = { initialWindowSize: WINDOW, maxConcurrentStreams: 1000, enablePush: false };

  const handler = createHandler({
    hot,
    clock,
    logger: log,
    metrics,
    maxFrame,
    maxStreams: o.maxStreams ?? 256,
    budget: o.streamBudget ?? processStreamBudget,
    closed: () => closed,
    packet(buf, from, timestamp) {
      const p = { buf, from, timestamp };
      if (onPacket) return onPacket(p);
      inbox.push(p);
      if (inbox.length > PACKET_QUEUE) inbox.shift();
    },
    stream(conn) {
      if (onStream) onStream(conn);
      else conn.close();
    },
  });

  let listener: GossipListener | null = null;
  if (o.listen) {
    listener = await listenGossip({
      listen: o.listen,
      handler,
      logger: log,
      ...(o.tls ? { tls: o.tls } : {}),
      ...(o.prefixTimeoutMs ? { prefixTimeoutMs: o.prefixTimeoutMs } : {}),
      settings,
      localWindowSize: WINDOW,
    });
  }

  let adv: { host: string; port: number };
  try {
    if (o.advertise) {
      const a = parseHostPort(o.advertise, listener?.address().port ?? 0);
      adv = { host: normalizeHost(a.host), port: a.port === 0 && listener ? listener.address().port : a.port };
    } else if (listener) {
      const b = listener.address();
      adv = { host: b.host === "0.0.0.0" || b.host === "::" ? (b.host === "::" ? "::1" : "127.0.0.1") : b.host, port: b.port };
    } else {
      throw new TransportNetError("advertise address is required when the handler is mounted on your own server");
    }
    if (hostFamily(adv.host) === 0) throw new TransportNetError(`advertise host must be an IP literal, got ${JSON.stringify(adv.host)}`);
    if (!(adv.port > 0)) throw new TransportNetError("advertise port is required");
  } catch (err) {
    await listener?.close();
    throw err;
  }

  const tlsClient: TlsClientOptions | undefined = o.tls ? { cert: o.tls.cert, key: o.tls.key, ...(o.tls.ca ? { ca: o.tls.ca } : {}) } : undefined;
  client = new CkitClient({
    hot,
    clock,
    logger: log,
    metrics,
    maxFrame,
    maxQueued: o.maxQueued ?? PACKET_QUEUE,
    packetMode: o.packetMode ?? "stream",
    maxInflight: o.maxInflight ?? 4,
    maxBatchBytes: o.maxBatchBytes ?? 64 * 1024,
    streamIdleMs: o.streamIdleMs ?? 10_000,
    streamMaxAgeMs: o.streamMaxAgeMs ?? 30_000,
    fallbackMs: o.fallbackMs ?? 60_000,
    packetTimeoutMs: o.packetTimeoutMs ?? PACKET_TIMEOUT_MS,
    idleMs: 60_000,
    ...(tlsClient ? { tls: tlsClient } : {}),
    settings,
    localWindowSize: WINDOW,
    advertise: formatHostPort(adv.host, adv.port),
  });

  return {
    handler,
    advertise: () => ({ ...adv }),
    bound: () => listener?.address() ?? null,
    stats: () => {
      const ps = client.packetStreams;
      return { sessions: client.sessions, queuedOut: client.queued, queuedIn: inbox.length, packetStreams: ps.open, fallbackPeers: ps.fallback };
    },
    warm(to) {
      if (!closed) client.warm(to);
    },
    sendPacket(to, buf) {
      if (!closed) client.sendPacket(to, buf);
    },
    dialStream: (to, timeoutMs) => client.dial(to, timeoutMs, to),
    onPacket(h) {
      onPacket = h;
      for (const p of inbox.splice(0)) h(p);
    },
    onStream(h) {
      onStream = h;
    },
    async close() {
      if (closed) return;
      closed = true;
      metrics.close();
      await client.close();
      await listener?.close();
    },
  };
}
