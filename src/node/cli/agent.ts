// `gossamer agent`: serf-style flags (and GOSSAMER_* env vars mirroring them, and a --config file; flags
// win) -> startAgent(). Leaves gracefully on SIGINT/SIGTERM/SIGHUP and when its parent process dies
// (daemon.ts; a second signal exits at once).
import os from "node:os";
import { readFileSync } from "node:fs";
import { Keyring, MemberlistError, type ProfileName } from "../../memberlist/index.ts";
import { CidrSet } from "../../net/index.ts";
import { isLogLevel, type LogLevel } from "../../util/index.ts";
import { startAgent, AGENT_DEFAULT_DELEGATE_VERSIONS, SERF_DELEGATE_VERSIONS, type AgentOptions } from "../agent.ts";
import { nodePlatform } from "../platform.ts";
import { runDaemon, exitSoon } from "./daemon.ts";
import { logFormatOf, parseDuration, parseFlags, reportUsage, UsageError, type FlagSpec } from "./flags.ts";
import type { LogFormat } from "../log.ts";
import { sqliteSupport } from "../sqlite-storage.ts";

export { UsageError };

export const summary = "run a memberlist member holding the Gravity state (--node --bind --join --data-dir --http --edge --serf ...)";

const USAGE = `usage: gossamer agent [flags]
  --node NAME              node name (GOSSAMER_NODE; default: hostname)
  --bind HOST:PORT         UDP+TCP bind address (GOSSAMER_BIND; default 0.0.0.0:7946)
  --advertise HOST:PORT    address others use (GOSSAMER_ADVERTISE)
  --join HOST:PORT         join at start, once; repeatable (GOSSAMER_JOIN, comma-separated)
  --retry-join HOST:PORT   join, retrying until one attempt reaches a member; repeatable
                           (GOSSAMER_RETRY_JOIN, comma-separated)
  --retry-interval DUR     pause between --retry-join attempts (GOSSAMER_RETRY_INTERVAL; default 30s)
  --retry-max N            give up after N attempts, leave and exit 1; 0 = retry forever
                           (GOSSAMER_RETRY_MAX; default 0)
  --encrypt BASE64KEY      16/24/32-byte key (GOSSAMER_ENCRYPT; see gossamer keygen)
  --extra-key BASE64KEY    also accepted when decrypting, for key rotation; repeatable (GOSSAMER_EXTRA_KEYS,
                           comma-separated); --encrypt stays the key that encrypts
  --label L                memberlist label (GOSSAMER_LABEL; not understood by memberlist < 0.3.0)
  --profile lan|wan|local  timing profile (GOSSAMER_PROFILE; default lan)
  --tag K=V                node tag, Serf format; repeatable (GOSSAMER_TAGS, comma-separated)
  --http HOST:PORT         HTTP API: the store API (POST /v1/messages, GET /v1/state, /v1/route, /v1/watch),
                           GET /v1/members, /healthz, /metrics (Prometheus) (GOSSAMER_HTTP)
  --http-token TOKEN       bearer token every store route then needs; unset: store routes are read-only
                           (GOSSAMER_HTTP_TOKEN)
  --data-dir DIR           persist the Gravity state in DIR/state.sqlite (node:sqlite); unset: memory only
                           (GOSSAMER_DATA_DIR)
  --edge URL               keep the edge's store (the gossamer worker) in step with this agent, both ways
                           (GOSSAMER_EDGE); needs --edge-token TOKEN (GOSSAMER_EDGE_TOKEN)
  --serf                   Serf mode: delegate versions ${SERF_DELEGATE_VERSIONS.join(",")}, Serf tags, leave intent (GOSSAMER_SERF=1);
                           default: plain memberlist (delegate versions ${AGENT_DEFAULT_DELEGATE_VERSIONS.join(",")}, as Gravity ions)
  --delegate-versions MIN,MAX,CUR  expert override of the delegate versions (GOSSAMER_DELEGATE_VERSIONS)
  --transport udp|http2    udp (default): UDP+TCP on --bind; http2: ckit's gossiphttp over HTTP/2, --bind is
                           the HTTP/2 listener and the member's address is its host:port (GOSSAMER_TRANSPORT)
  --tls-cert FILE --tls-key FILE [--tls-ca FILE]  TLS (ALPN h2) for http2; with a CA peers must present
                           a certificate it signed (GOSSAMER_TLS_CERT, GOSSAMER_TLS_KEY, GOSSAMER_TLS_CA)
  --peer-state viewer|participant  run ckit's peer states (default with http2: viewer): GET /v1/peers and
                           cluster_* metrics; push/pull then carries ckit's state (GOSSAMER_PEER_STATE)
  --allowed-cidrs CIDR,... only these networks may talk to this agent or be members (memberlist's
                           CIDRsAllowed; list IPv4 and IPv6 separately); repeatable (GOSSAMER_ALLOWED_CIDRS);
                           unset: every address (see docs/security.md)
  --log-level debug|info|warn|error  (GOSSAMER_LOG_LEVEL; default info)
  --log-format auto|json|pretty  auto: human-readable on a terminal, JSON lines otherwise (GOSSAMER_LOG_FORMAT)
  --config FILE            read flags from a JSON (.json) or TOML file, keys = flag names (GOSSAMER_CONFIG);
                           flags and env vars override it`;

export interface ParsedAgentFlags {
  node: string;
  bind: string;
  advertise?: string;
  join: string[];
  retryJoin: string[];
  retryIntervalMs: number;
  retryMax: number;
  encrypt?: Uint8Array;
  extraKeys: Uint8Array[];
  label: string;
  profile: ProfileName;
  tags: Record<string, string>;
  http?: string;
  httpToken?: string;
  dataDir?: string;
  edge?: { url: string; token: string };
  serf: boolean;
  delegateVersions: [number, number, number];
  logLevel: LogLevel;
  transport: "udp" | "http2";
  peerState?: "viewer" | "participant";
  tls?: { cert: string; key: string; ca?: string };
  logFormat: LogFormat;
  allowedCidrs?: CidrSet;
}

const FLAGS: Record<string, FlagSpec> = {
  node: { env: ["GOSSAMER_NODE"] },
  bind: { env: ["GOSSAMER_BIND"] },
  advertise: { env: ["GOSSAMER_ADVERTISE"] },
  join: { env: ["GOSSAMER_JOIN"], repeatable: true },
  "retry-join": { env: ["GOSSAMER_RETRY_JOIN"], repeatable: true },
  "retry-interval": { env: ["GOSSAMER_RETRY_INTERVAL"] },
  "retry-max": { env: ["GOSSAMER_RETRY_MAX"] },
  encrypt: { env: ["GOSSAMER_ENCRYPT"] },
  "extra-key": { env: ["GOSSAMER_EXTRA_KEYS"], repeatable: true },
  label: { env: ["GOSSAMER_LABEL"] },
  profile: { env: ["GOSSAMER_PROFILE"] },
  tag: { env: ["GOSSAMER_TAGS"], repeatable: true },
  http: { env: ["GOSSAMER_HTTP"] },
  "http-token": { env: ["GOSSAMER_HTTP_TOKEN"] },
  "data-dir": { env: ["GOSSAMER_DATA_DIR"] },
  edge: { env: ["GOSSAMER_EDGE"] },
  "edge-token": { env: ["GOSSAMER_EDGE_TOKEN"] },
  serf: { env: ["GOSSAMER_SERF"], boolean: true },
  "delegate-versions": { env: ["GOSSAMER_DELEGATE_VERSIONS"] },
  "log-level": { env: ["GOSSAMER_LOG_LEVEL"] },
  transport: { env: ["GOSSAMER_TRANSPORT"] },
  "peer-state": { env: ["GOSSAMER_PEER_STATE"] },
  "tls-cert": { env: ["GOSSAMER_TLS_CERT"] },
  "tls-key": { env: ["GOSSAMER_TLS_KEY"] },
  "tls-ca": { env: ["GOSSAMER_TLS_CA"] },
  "log-format": { env: ["GOSSAMER_LOG_FORMAT"] },
  "allowed-cidrs": { env: ["GOSSAMER_ALLOWED_CIDRS"], repeatable: true },
};

/** Parses flags over env defaults. Throws UsageError with a one-line reason. */
export function parseAgentFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedAgentFlags {
  const f = parseFlags(argv, FLAGS, env);

  const profile = f.value("profile") ?? "lan";
  if (profile !== "lan" && profile !== "wan" && profile !== "local") throw new UsageError(`--profile must be lan, wan or local`);
  const logLevel = f.value("log-level") ?? "info";
  if (!isLogLevel(logLevel)) throw new UsageError(`--log-level must be debug, info, warn or error`);
  const logFormat = logFormatOf(f);
  const retryIntervalMs = parseDuration(f.value("retry-interval") ?? "30s", "retry-interval");
  if (retryIntervalMs <= 0) throw new UsageError("--retry-interval must be positive");
  const retryMaxS = f.value("retry-max") ?? "0";
  if (!/^\d{1,9}$/.test(retryMaxS)) throw new UsageError("--retry-max must be a non-negative integer");

  const tags: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const t of f.list("tag")) {
    const eq = t.indexOf("=");
    if (eq <= 0) throw new UsageError(`--tag must be K=V, got ${JSON.stringify(t)}`);
    tags[t.slice(0, eq)] = t.slice(eq + 1);
  }

  let encrypt: Uint8Array | undefined;
  const key = f.value("encrypt");
  if (key !== undefined) {
    // The codec's own parser (serf -encrypt / gossamer keygen format): strict base64, 16/24/32 bytes.
    try {
      encrypt = Keyring.fromBase64(key).primaryKey();
    } catch (err) {
      if (err instanceof MemberlistError) throw new UsageError(`--encrypt: ${err.message}`);
      throw err;
    }
  }

  const extraKeys: Uint8Array[] = [];
  for (const k of f.list("extra-key")) {
    try {
      extraKeys.push(Keyring.fromBase64(k).primaryKey());
    } catch (err) {
      if (err instanceof MemberlistError) throw new UsageError(`--extra-key: ${err.message}`);
      throw err;
    }
  }
  if (extraKeys.length > 0 && !encrypt) throw new UsageError("--extra-key needs --encrypt (the key that encrypts)");

  const serfFlag = f.value("serf");
  let serf = false;
  if (serfFlag !== undefined) {
    if (!/^(1|true|yes|on|0|false|no|off)$/i.test(serfFlag)) throw new UsageError("--serf takes no value (GOSSAMER_SERF=1|0)");
    serf = /^(1|true|yes|on)$/i.test(serfFlag);
  }
  const transport = f.value("transport") ?? "udp";
  if (transport !== "udp" && transport !== "http2") throw new UsageError("--transport must be udp or http2");
  const peerState = f.value("peer-state");
  if (peerState !== undefined && peerState !== "viewer" && peerState !== "participant") throw new UsageError("--peer-state must be viewer or participant");
  if (serf && (transport === "http2" || peerState)) throw new UsageError("--serf cannot be combined with --transport http2 or --peer-state (ckit's node layer owns the push/pull state)");
  const tlsCert = f.value("tls-cert");
  const tlsKey = f.value("tls-key");
  const tlsCa = f.value("tls-ca");
  if ((tlsCert || tlsKey || tlsCa) && transport !== "http2") throw new UsageError("--tls-* flags need --transport http2");
  if (!!tlsCert !== !!tlsKey) throw new UsageError("--tls-cert and --tls-key go together");
  if (tlsCa && !tlsCert) throw new UsageError("--tls-ca needs --tls-cert and --tls-key");
  let delegateVersions = serf ? SERF_DELEGATE_VERSIONS : AGENT_DEFAULT_DELEGATE_VERSIONS;
  const dv = f.value("delegate-versions");
  if (dv !== undefined) {
    const parts = dv.split(",").map((s) => Number(s.trim()));
    if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) {
      throw new UsageError("--delegate-versions must be three bytes MIN,MAX,CUR");
    }
    delegateVersions = parts as [number, number, number];
  }

  let allowedCidrs: CidrSet | undefined;
  const cidrs = f.list("allowed-cidrs");
  if (cidrs.length > 0) {
    try {
      allowedCidrs = CidrSet.parse(cidrs);
    } catch (err) {
      throw new UsageError(`--allowed-cidrs: ${(err as Error).message}`);
    }
  }

  const label = f.value("label") ?? "";
  if (Buffer.byteLength(label) > 255) throw new UsageError("--label must be at most 255 bytes");

  const advertise = f.value("advertise");
  const http = f.value("http");
  const httpToken = f.value("http-token");
  const dataDir = f.value("data-dir");
  const edgeUrl = f.value("edge");
  const edgeToken = f.value("edge-token");
  if (edgeUrl !== undefined) {
    let u: URL;
    try {
      u = new URL(edgeUrl);
    } catch {
      throw new UsageError(`--edge must be an http(s) URL, got ${JSON.stringify(edgeUrl)}`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new UsageError("--edge must be an http(s) URL");
    if (!edgeToken) throw new UsageError("--edge needs --edge-token (GOSSAMER_EDGE_TOKEN)");
  } else if (edgeToken !== undefined) throw new UsageError("--edge-token needs --edge URL");
  return {
    node: f.value("node") ?? os.hostname(),
    bind: f.value("bind") ?? "0.0.0.0:7946",
    ...(advertise ? { advertise } : {}),
    join: f.list("join"),
    retryJoin: f.list("retry-join"),
    retryIntervalMs,
    retryMax: Number(retryMaxS),
    ...(encrypt ? { encrypt } : {}),
    extraKeys,
    label,
    profile,
    tags,
    ...(http ? { http } : {}),
    ...(httpToken ? { httpToken } : {}),
    ...(dataDir ? { dataDir } : {}),
    ...(edgeUrl ? { edge: { url: edgeUrl, token: edgeToken! } } : {}),
    serf,
    delegateVersions,
    logLevel,
    transport,
    ...(peerState ? { peerState } : {}),
    ...(tlsCert && tlsKey ? { tls: { cert: tlsCert, key: tlsKey, ...(tlsCa ? { ca: tlsCa } : {}) } } : {}),
    logFormat,
    ...(allowedCidrs ? { allowedCidrs } : {}),
  };
}

export async function run(argv: string[]): Promise<number> {
  let flags: ParsedAgentFlags;
  try {
    flags = parseAgentFlags(argv);
  } catch (err) {
    if (err instanceof UsageError) return reportUsage(err, "gossamer agent", USAGE);
    throw err;
  }
  if (flags.dataDir) {
    // node:sqlite arrived in Node 22.5 (unflagged in 22.13); on an older Node say so instead of crashing.
    const sqlite = sqliteSupport();
    if (!sqlite.ok) {
      console.error(`gossamer agent: --data-dir needs ${sqlite.reason}; run without --data-dir (state in memory) or on a newer Node`);
      return 1;
    }
  }
  const platform = nodePlatform({ logLevel: flags.logLevel, logFormat: flags.logFormat, bindings: { node: flags.node } });
  const logger = platform.logger;
  let tls: AgentOptions["tls"];
  if (flags.tls) {
    try {
      tls = { cert: readFileSync(flags.tls.cert), key: readFileSync(flags.tls.key), ...(flags.tls.ca ? { ca: readFileSync(flags.tls.ca) } : {}) };
    } catch (err) {
      logger.error({ err: (err as Error).message }, "cannot read TLS files");
      return 1;
    }
  }
  const opts: AgentOptions = {
    node: flags.node,
    bind: flags.bind,
    ...(flags.advertise ? { advertise: flags.advertise } : {}),
    join: flags.join,
    ...(flags.retryJoin.length > 0
      ? { retryJoin: { addresses: flags.retryJoin, intervalMs: flags.retryIntervalMs, maxAttempts: flags.retryMax, onExhausted: () => daemon?.stop("retry-join-exhausted", 1) } }
      : {}),
    ...(flags.encrypt ? { encryptKey: flags.encrypt, extraKeys: flags.extraKeys } : {}),
    label: flags.label,
    profile: flags.profile,
    tags: flags.tags,
    ...(flags.http ? { http: flags.http } : {}),
    ...(flags.httpToken ? { httpToken: flags.httpToken } : {}),
    serf: flags.serf,
    delegateVersions: flags.delegateVersions,
    ...(flags.allowedCidrs ? { allowedCidrs: flags.allowedCidrs } : {}),
    state: {
      ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
      ...(flags.edge ? { edge: flags.edge } : {}),
    },
    transport: flags.transport,
    ...(flags.peerState ? { peerState: flags.peerState } : {}),
    ...(tls ? { tls } : {}),
  };
  let daemon: ReturnType<typeof runDaemon> | undefined;
  let agent;
  try {
    agent = await startAgent(platform, opts);
  } catch (err) {
    logger.error({ err: (err as Error).message }, "agent failed to start");
    return 1;
  }
  const a = agent.transport.advertise();
  logger.info(
    { bind: flags.bind, advertise: `${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port}`, port: agent.transport.bound().port, http: agent.http?.address() ?? null, profile: flags.profile, serf: flags.serf, transport: flags.transport, allowedCidrs: flags.allowedCidrs?.text ?? null, records: agent.control.store.size, cursor: agent.control.store.cursor },
    "agent running",
  );

  const started = agent;
  daemon = runDaemon({
    logger,
    stop: async (reason) => {
      logger.info({ reason }, "leaving cluster");
      await started.leave().catch((err: unknown) => logger.warn({ err: (err as Error).message }, "leave failed"));
      await started.shutdown();
      logger.info({}, "agent stopped");
    },
  });
  if (started.retryJoin?.status === "exhausted") daemon.stop("retry-join-exhausted", 1);
  return exitSoon(await daemon.done);
}
