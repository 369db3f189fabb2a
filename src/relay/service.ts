// The relay as each runtime serves it. `serveRelay(platform, options)` has ONE meaning and ONE signature
// in both runtimes (the Node adapter in src/node/relay-server.ts, the worker's in worker/relay-route.ts;
// test/relay/adapter-types.ts asserts both against the types here): serve the NetBird relay on this
// runtime and return its handle. createRelayCore is the factory both build their cores with.
import type { Platform } from "../platform/index.ts";
import type { MetricFamily } from "../util/index.ts";
import type { RelayAuthenticator, RelayTokenMode } from "./auth.ts";
import { TokenValidator } from "./auth.ts";
import type { RelayForwarder, RelayHooks } from "./conn.ts";
import { RelayCore } from "./core.ts";
import type { RelayCoreOptions } from "./core-record.ts";
import type { RelayClusterOptions } from "./fabric/options.ts";

/** Options of serveRelay, the same type in every runtime (each uses what applies to it, see below). */
export interface ServeRelayOptions {
  /** HMAC secret of the auth tokens (both). */
  authSecret: string;
  /**
   * "netbird" (default): upstream tokens, not bound to a peer ID (a token holder can take over any peer's
   * session). "peer-bound": tokens are bound to the peer ID they were issued for (src/relay/auth.ts).
   */
  tokenMode?: RelayTokenMode;
  /** Subscriptions one connection may hold (default 8192) and the relay in total (default 500 000). */
  maxSubscriptionsPerPeer?: number;
  maxSubscriptionsTotal?: number;
  /** Instance URL sent in auth responses: rel://host:port or rels://host:port (both; defaults per runtime). */
  instanceUrl?: string;
  /** Listener "host:port" (Node; port 0 picks a free one). The worker answers on its own routes. */
  listen?: string;
  /** Join other relay processes through the cluster fabric (Node; the worker shards instead). */
  cluster?: RelayClusterOptions;
  /** Cross-shard forwarder and hooks for a single core (Node; the worker wires its shards itself). */
  forwarder?: RelayForwarder;
  hooks?: RelayHooks;
  /** Test overrides (Node). */
  auth?: RelayAuthenticator;
  healthCheck?: { intervalMs: number; timeoutMs: number } | false;
  authTimeoutMs?: number | false;
  /** Largest WebSocket message buffered before closing with 1009 (Node; default 64 KiB). */
  maxPayload?: number;
}

/** A served relay. */
export interface RelayService {
  /** Instance URL sent in auth responses. */
  readonly instanceUrl: string;
  /**
   * Answers an HTTP request to the relay's routes: GET /relay (the WebSocket upgrade where the runtime
   * accepts upgrades through fetch; on Node the listener takes upgrades itself and this answers 426),
   * GET /healthz, GET /metrics. Anything else is 404. Errors are JSON {"error":{"code","message"}}.
   */
  fetch(req: Request): Promise<Response>;
  /** The relay's metric families (relay_*, relay_cluster_*), as /metrics renders them. */
  metrics(): Promise<MetricFamily[]>;
  /** Graceful shutdown: MSG_CLOSE to every peer, then sockets and listeners close. */
  close(): Promise<void>;
}

/** The adapter function both runtimes export under this name. */
export type ServeRelay = (platform: Platform, options: ServeRelayOptions) => Promise<RelayService>;

/**
 * A relay core on `platform`: its clock, wall clock, logger and "relay-frames" hot path. `options` as
 * RelayCoreOptions; `authSecret` builds the token validator (in `tokenMode`) unless `auth` is given.
 */
export function createRelayCore(
  platform: Platform,
  options: Omit<RelayCoreOptions, "auth" | "clock" | "wallNow" | "frames"> & { auth?: RelayAuthenticator; authSecret?: string; tokenMode?: RelayTokenMode },
): RelayCore {
  const { authSecret, auth, tokenMode, ...rest } = options;
  if (!auth && authSecret === undefined) throw new TypeError("createRelayCore needs auth or authSecret");
  return new RelayCore({
    logger: platform.logger,
    ...rest,
    auth: auth ?? new TokenValidator(authSecret!, platform.wallClock, tokenMode ?? "netbird"),
    clock: platform.clock,
    wallNow: platform.wallClock,
    frames: platform.hotpath.for("relay-frames"),
  });
}
