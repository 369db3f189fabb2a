// `gossamer relay`: the NetBird-compatible relay on Node. Flags win over env vars (GOSSAMER_*, with
// upstream's NB_* names accepted as a fallback; a --config file below both). Logs on stdout (JSON lines, or
// human-readable on a terminal); SIGINT/SIGTERM/SIGHUP and the death of the parent process shut down
// gracefully (close to every peer; daemon.ts); a second signal exits at once. With --cluster-listen / --cluster-peers /
// --cluster-headless, several relay processes join one cluster fabric (src/node/relay-cluster.ts).
import { parseHostPort, parseListenAddress } from "../../net/index.ts";
import { DEFAULT_CLUSTER_PORT, isRelayTokenMode, type RelayClusterOptions, type RelayTokenMode } from "../../relay/index.ts";
import { isLogLevel, type LogLevel } from "../../util/index.ts";
import { nodePlatform } from "../platform.ts";
import { serveRelay } from "../relay-server.ts";
import type { LogFormat } from "../log.ts";
import { exitSoon, runDaemon } from "./daemon.ts";
import { logFormatOf, parseFlags, reportUsage, UsageError, type FlagSpec, type ParsedFlags } from "./flags.ts";

export { UsageError };

export const summary = "run a NetBird-compatible relay (--listen --auth-secret --exposed-address --cluster-* ...)";

const USAGE = `usage: gossamer relay [flags]
  --listen HOST:PORT        WebSocket listener, /relay + /healthz + /metrics (GOSSAMER_LISTEN or NB_LISTEN_ADDRESS; default 127.0.0.1:8080)
  --auth-secret S           shared secret for HMAC auth tokens (GOSSAMER_AUTH_SECRET or NB_AUTH_SECRET; required)
  --exposed-address URL     instance URL sent to peers: rel://host:port, rels://host:port or host:port
                            (GOSSAMER_EXPOSED_ADDRESS or NB_EXPOSED_ADDRESS; default rel://<listen address>)
  --log-level debug|info|warn|error  (GOSSAMER_LOG_LEVEL or NB_LOG_LEVEL; default info)
  --log-format auto|json|pretty  auto: human-readable on a terminal, JSON lines otherwise (GOSSAMER_LOG_FORMAT)
  --config FILE             flags from a JSON (.json) or TOML file, keys = flag names (GOSSAMER_CONFIG)
  --auth-mode netbird|peer-bound  netbird (default): upstream tokens, not bound to a peer ID, so any token
                            holder can take over any peer's session; peer-bound: a token is valid only for
                            the peer ID it was issued for (management must issue bound tokens; see
                            docs/security.md) (GOSSAMER_AUTH_MODE)
  --max-subscriptions-per-peer N  peer-state subscriptions one connection may hold (default 8192)
                            (GOSSAMER_MAX_SUBSCRIPTIONS_PER_PEER)
  --max-subscriptions N     subscriptions the relay holds in total (default 500000) (GOSSAMER_MAX_SUBSCRIPTIONS)
cluster fabric (several relays behind one load balancer act as one relay; openZro-compatible):
  --cluster-listen HOST:PORT    cluster TCP listener (GOSSAMER_CLUSTER_LISTEN; default 127.0.0.1:7090 when
                                --cluster-peers or --cluster-headless is given: loopback unless told otherwise)
  --cluster-peers H:P,H:P       other relays' announced cluster addresses, redialled every 10 s
                                (repeatable; GOSSAMER_CLUSTER_PEERS, comma-separated)
  --cluster-headless NAME       also dial the A records of this DNS name every 10 s (GOSSAMER_CLUSTER_HEADLESS or OZ_CLUSTER_HEADLESS)
  --cluster-port PORT           port for DNS-discovered relays (GOSSAMER_CLUSTER_PORT; default: our cluster port)
  --cluster-auth-secret S       shared secret signing HELLOs; all relays must agree; required unless
                                --cluster-insecure (GOSSAMER_CLUSTER_AUTH_SECRET or OZ_CLUSTER_AUTH_SECRET)
  --cluster-insecure            run the fabric without a secret: anyone reaching the cluster port can evict
                                peers and forge packets; trusted networks only (GOSSAMER_CLUSTER_INSECURE=1)
  --pod-address HOST:PORT       cluster address announced to the others (GOSSAMER_POD_ADDRESS; default: the
                                cluster listener's address, required when it binds a wildcard)`;

export interface RelayFlags {
  listen: string;
  authSecret: string;
  instanceUrl?: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  tokenMode: RelayTokenMode;
  maxSubscriptionsPerPeer?: number;
  maxSubscriptionsTotal?: number;
  /** Present when the cluster fabric is enabled. */
  cluster?: RelayClusterOptions;
}

const FLAGS: Record<string, FlagSpec> = {
  listen: { env: ["GOSSAMER_LISTEN", "NB_LISTEN_ADDRESS"] },
  "auth-secret": { env: ["GOSSAMER_AUTH_SECRET", "NB_AUTH_SECRET"] },
  "exposed-address": { env: ["GOSSAMER_EXPOSED_ADDRESS", "NB_EXPOSED_ADDRESS"] },
  "log-level": { env: ["GOSSAMER_LOG_LEVEL", "NB_LOG_LEVEL"] },
  "log-format": { env: ["GOSSAMER_LOG_FORMAT"] },
  "auth-mode": { env: ["GOSSAMER_AUTH_MODE"] },
  "max-subscriptions-per-peer": { env: ["GOSSAMER_MAX_SUBSCRIPTIONS_PER_PEER"] },
  "max-subscriptions": { env: ["GOSSAMER_MAX_SUBSCRIPTIONS"] },
  "cluster-listen": { env: ["GOSSAMER_CLUSTER_LISTEN"] },
  "cluster-peers": { env: ["GOSSAMER_CLUSTER_PEERS"], repeatable: true },
  "cluster-headless": { env: ["GOSSAMER_CLUSTER_HEADLESS", "OZ_CLUSTER_HEADLESS"] },
  "cluster-port": { env: ["GOSSAMER_CLUSTER_PORT", "OZ_CLUSTER_PORT"] },
  "cluster-auth-secret": { env: ["GOSSAMER_CLUSTER_AUTH_SECRET", "OZ_CLUSTER_AUTH_SECRET"] },
  "pod-address": { env: ["GOSSAMER_POD_ADDRESS"] },
  "cluster-insecure": { env: ["GOSSAMER_CLUSTER_INSECURE"], boolean: true },
};

/** rel://host:port | rels://host:port | host:port -> instance URL. */
export function instanceUrlOf(exposed: string): string {
  const m = /^(?:(rels?):\/\/)?([^/\s]+)$/.exec(exposed.trim());
  if (!m) throw new UsageError(`--exposed-address must be rel://host:port, rels://host:port or host:port`);
  return `${m[1] ?? "rel"}://${m[2]}`;
}

export function parseRelayFlags(argv: string[], env: Record<string, string | undefined> = process.env): RelayFlags {
  const f = parseFlags(argv, FLAGS, env);
  const listen = f.value("listen") ?? "127.0.0.1:8080";
  try {
    parseListenAddress(listen);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const authSecret = f.value("auth-secret");
  if (!authSecret) throw new UsageError("--auth-secret is required");
  const logLevel = f.value("log-level") ?? "info";
  if (!isLogLevel(logLevel)) throw new UsageError("--log-level must be debug, info, warn or error");
  const exposed = f.value("exposed-address");
  const tokenMode = f.value("auth-mode") ?? "netbird";
  if (!isRelayTokenMode(tokenMode)) throw new UsageError("--auth-mode must be netbird or peer-bound");
  const perPeer = positiveInt(f, "max-subscriptions-per-peer");
  const total = positiveInt(f, "max-subscriptions");
  const cluster = parseClusterFlags(f);
  return {
    listen,
    authSecret,
    logLevel,
    logFormat: logFormatOf(f),
    tokenMode,
    ...(perPeer !== undefined ? { maxSubscriptionsPerPeer: perPeer } : {}),
    ...(total !== undefined ? { maxSubscriptionsTotal: total } : {}),
    ...(exposed !== undefined ? { instanceUrl: instanceUrlOf(exposed) } : {}),
    ...(cluster ? { cluster } : {}),
  };
}

function positiveInt(f: ParsedFlags, flag: string): number | undefined {
  const v = f.value(flag);
  if (v === undefined) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(v)) throw new UsageError(`--${flag} must be a positive integer`);
  return Number(v);
}

function parseClusterFlags(f: ParsedFlags): RelayClusterOptions | undefined {
  const peers = f.list("cluster-peers").flatMap((p) => p.split(",")).map((p) => p.trim()).filter(Boolean);
  const headless = f.value("cluster-headless");
  let listen = f.value("cluster-listen");
  if (listen === undefined && peers.length === 0 && headless === undefined) return undefined;
  listen ??= `127.0.0.1:${DEFAULT_CLUSTER_PORT}`;
  const hostPort = (flag: string, v: string) => {
    try {
      return parseHostPort(v);
    } catch (e) {
      throw new UsageError(`--${flag}: ${(e as Error).message}`);
    }
  };
  const bound = hostPort("cluster-listen", listen);
  for (const p of peers) hostPort("cluster-peers", p);
  const announce = f.value("pod-address");
  if (announce !== undefined) hostPort("pod-address", announce);
  else if (bound.host === "0.0.0.0" || bound.host === "::") throw new UsageError("--pod-address is required when --cluster-listen binds a wildcard address");
  const portFlag = f.value("cluster-port");
  if (portFlag !== undefined && !/^\d{1,5}$/.test(portFlag)) throw new UsageError("--cluster-port must be a port number");
  const secret = f.value("cluster-auth-secret");
  const insecureFlag = f.value("cluster-insecure");
  if (insecureFlag !== undefined && !/^(1|true|yes|on|0|false|no|off)$/i.test(insecureFlag)) throw new UsageError("--cluster-insecure takes no value (GOSSAMER_CLUSTER_INSECURE=1|0)");
  const insecure = insecureFlag !== undefined && /^(1|true|yes|on)$/i.test(insecureFlag);
  if (!secret && !insecure) {
    throw new UsageError("--cluster-auth-secret is required for the cluster fabric (or --cluster-insecure to run it unauthenticated on a trusted network)");
  }
  return {
    listen,
    peers,
    ...(announce !== undefined ? { announce } : {}),
    ...(headless !== undefined ? { headless } : {}),
    ...(portFlag !== undefined ? { clusterPort: Number(portFlag) } : {}),
    ...(secret !== undefined ? { secret } : {}),
    ...(insecure ? { insecure } : {}),
  };
}

export async function run(argv: string[]): Promise<number | void> {
  let flags: RelayFlags;
  try {
    flags = parseRelayFlags(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return reportUsage(e, "gossamer relay", USAGE);
  }
  const platform = nodePlatform({ logLevel: flags.logLevel, logFormat: flags.logFormat, bindings: { component: "relay" } });
  const logger = platform.logger;
  const server = await serveRelay(platform, {
    listen: flags.listen,
    authSecret: flags.authSecret,
    tokenMode: flags.tokenMode,
    ...(flags.maxSubscriptionsPerPeer !== undefined ? { maxSubscriptionsPerPeer: flags.maxSubscriptionsPerPeer } : {}),
    ...(flags.maxSubscriptionsTotal !== undefined ? { maxSubscriptionsTotal: flags.maxSubscriptionsTotal } : {}),
    ...(flags.instanceUrl ? { instanceUrl: flags.instanceUrl } : {}),
    ...(flags.cluster ? { cluster: flags.cluster } : {}),
  });
  const daemon = runDaemon({
    logger,
    stop: async (reason) => {
      logger.info({ reason }, "relay shutting down");
      await server.close();
    },
  });
  return exitSoon(await daemon.done);
}
