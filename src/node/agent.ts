// The gossamer agent runtime: one memberlist member on the Node UDP/TCP transport holding the Gravity
// state (control.ts: the StateStore on node:sqlite under --data-dir or in memory, state gossip with the
// cluster, the optional edge link), plus the HTTP listener (agent-http.ts: the store API shared with the
// worker, /v1/members, /healthz, Prometheus /metrics). Plain memberlist by default (delegate versions
// 0,0,0, as Gravity ions run); `serf: true` is Serf mode (tags as Serf meta, delegate versions inside
// Serf's 2..5, a Serf leave intent before the memberlist leave so Serf shows "left"). The CLI
// (cli/agent.ts) only parses flags; tests may start agents in-process through startAgent().
//
// Start-up order: the state is opened (and served over HTTP) BEFORE the agent joins anyone, so a
// restarted agent answers with its full persisted state at once.
//
// With `transport: "http2"` the member speaks ckit's gossiphttp over HTTP/2 (src/node/ckit-transport.ts) and,
// with it or `peerState`, runs ckit's node layer (ckit-agent.ts: peer states, GET /v1/peers, cluster_*).
//
// Invariants: shutdown() closes every socket and file it opened (transport, HTTP, edge link, database);
// leave() is idempotent and bounded by its timeout; user data received is never logged (only its length).
import {
  Keyring,
  createMemberlist,
  defaultConfig,
  encodeSerfLeaveIntent,
  encodeSerfTags,
  serfLTime,
  type MemberInfo,
  type Memberlist,
  type MemberlistConfig,
  type ProfileName,
} from "../memberlist/index.ts";
import type { CidrSet } from "../net/index.ts";
import type { Platform } from "../platform/index.ts";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from "../util/index.ts";
import { createTransport, type NodeTransport } from "./transport.ts";
import { serveAgentHttp, type AgentHttpServer } from "./agent-http.ts";
import { registerAgentMetrics } from "./agent-metrics.ts";
import type { StreamBudget } from "./stream-budget.ts";
import { openControl, versionMismatchHint, type Control, type ControlOptions } from "./control.ts";
import type { TlsServerOptions } from "./ckit-listener.ts";
import { processStreamBudget } from "./stream-budget.ts";
import { asNodeTransport, ckitMode, createAgentHttp2Transport, HTTP2_MEMBERLIST, type AgentTransportKind, type CkitMode } from "./ckit-agent.ts";
import { startRetryJoin, type RetryJoin, type RetryJoinOptions } from "./retry-join.ts";

/** Plain memberlist (Gravity ions, ckit, most Go memberlist apps): the default. */
export const AGENT_DEFAULT_DELEGATE_VERSIONS: [number, number, number] = [0, 0, 0];
/** --serf: Serf 0.9.x accepts members whose delegate range overlaps 2..5; 2,5,4 is the verified choice (docs/protocols/serf.md §4). */
export const SERF_DELEGATE_VERSIONS: [number, number, number] = [2, 5, 4];

export interface AgentOptions {
  node: string;
  bind: string;
  advertise?: string;
  join?: string[];
  /** Keep joining these addresses until one attempt contacts a member (--retry-join; retry-join.ts). */
  retryJoin?: Pick<RetryJoinOptions, "addresses" | "intervalMs" | "maxAttempts" | "onExhausted">;
  /** Raw AES key (16/24/32 bytes); enables encryption. */
  encryptKey?: Uint8Array;
  /** More keys accepted when decrypting (key rotation; encryptKey stays the one that encrypts). */
  extraKeys?: Uint8Array[];
  label?: string;
  profile?: ProfileName;
  tags?: Record<string, string>;
  /** "host:port" for the HTTP API (store API, members, health, metrics); omitted = no HTTP. */
  http?: string;
  /** Bearer token for the store routes; unset = read-only store API (writes answer 401). */
  httpToken?: string;
  /** Serf mode: delegate versions 2,5,4 and a Serf leave intent (default: plain memberlist). */
  serf?: boolean;
  /** [min, max, cur]; default 0,0,0 (plain), or 2,5,4 with `serf`. An expert override. */
  delegateVersions?: [number, number, number];
  /** Gravity state: data directory, edge link, budgets (control.ts). */
  state?: ControlOptions;
  /** Push/pull user state to send instead of the Gravity state (tests of raw memberlist interop). */
  userState?: Uint8Array;
  /** Send a Serf leave intent before leaving (default: when delegate min >= 2, i.e. Serf mode). */
  serfLeaveIntent?: boolean;
  /** Budget for bytes of inbound streams (default: the process-wide one, see stream-budget.ts). */
  streamBudget?: StreamBudget;
  /**
   * memberlist's CIDRsAllowed (--allowed-cidrs): streams and datagrams from other sources are refused by
   * the transport, and no member is added at an address outside. Unset: every address.
   */
  allowedCidrs?: CidrSet;
  /** Transport stream admission overrides (see stream-admission.ts); defaults 256 / 16 / 2000 ms. */
  streams?: { max?: number; perSource?: number; firstByteTimeoutMs?: number };
  /** Extra memberlist config overrides (tests use it for short timers). */
  overrides?: Partial<MemberlistConfig>;
  onUserMessage?: (buf: Uint8Array) => void;
  onRemoteState?: (buf: Uint8Array, join: boolean) => void;
  /** "udp" (default): UDP+TCP on `bind`; "http2": ckit's gossiphttp, `bind` is the HTTP/2 listener. */
  transport?: AgentTransportKind;
  /** TLS (ALPN h2) for the http2 transport; `ca` makes it mutual. */
  tls?: TlsServerOptions;
  /** Run ckit's node layer and reach this state after joining (on by default with http2, as viewer). */
  peerState?: "viewer" | "participant";
}

export interface Agent {
  readonly memberlist: Memberlist;
  readonly transport: NodeTransport;
  readonly http: AgentHttpServer | undefined;
  /** The Gravity state, its gossip and the edge link. */
  readonly control: Control;
  /** ckit's node layer, when running (http2 transport or --peer-state; docs/protocols/ckit.md §8). */
  readonly ckit: CkitMode | undefined;
  /** Queue a user broadcast (payload without the 0x08 type byte). */
  broadcast(payload: Uint8Array): void;
  /** Result of the start-up join: nodes contacted, or the error. */
  readonly joined: { contacted: number; error?: string } | undefined;
  /** The --retry-join loop, when configured. */
  readonly retryJoin: RetryJoin | undefined;
  leave(timeoutMs?: number): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Starts an agent on `platform` (its logger, clock, randomness, hot path and storage factory; /metrics
 * renders its registry, so run one agent per platform).
 */
export async function startAgent(platform: Platform, o: AgentOptions): Promise<Agent> {
  const log = platform.logger;
  const serf = o.serf ?? false;
  const control = openControl(platform, o.state ?? {});
  const http2 = o.transport === "http2";
  let transport: NodeTransport;
  try {
    transport = http2
      ? asNodeTransport(
          await createAgentHttp2Transport(platform, {
            bind: o.bind,
            ...(o.advertise ? { advertise: o.advertise } : {}),
            ...(o.tls ? { tls: o.tls } : {}),
            ...(o.streamBudget ? { streamBudget: o.streamBudget } : {}),
          }),
          o.streamBudget ?? processStreamBudget,
        )
      : await createTransport(platform, {
          bind: o.bind,
          ...(o.advertise ? { advertise: o.advertise } : {}),
          ...(o.streamBudget ? { streamBudget: o.streamBudget } : {}),
          ...(o.allowedCidrs ? { allowedCidrs: o.allowedCidrs } : {}),
          ...(o.streams?.max !== undefined ? { maxStreams: o.streams.max } : {}),
          ...(o.streams?.perSource !== undefined ? { maxStreamsPerSource: o.streams.perSource } : {}),
          ...(o.streams?.firstByteTimeoutMs !== undefined ? { firstByteTimeoutMs: o.streams.firstByteTimeoutMs } : {}),
        });
  } catch (err) {
    await control.close();
    throw err;
  }
  const [dmin, dmax, dcur] = o.delegateVersions ?? (serf ? SERF_DELEGATE_VERSIONS : AGENT_DEFAULT_DELEGATE_VERSIONS);
  const serfMode = o.serfLeaveIntent ?? dmin >= 2;
  const meta = encodeSerfTags(o.tags ?? {});
  let maxSerfLTime = 0;
  const noteSerf = (buf: Uint8Array) => {
    const lt = serfLTime(buf);
    if (lt !== undefined && lt > maxSerfLTime) maxSerfLTime = lt;
  };
  const userMessage = (buf: Uint8Array) => {
    log.debug({ len: buf.length }, "user message");
    if (serfMode) noteSerf(buf);
    control.gossip?.notifyMsg(buf);
    o.onUserMessage?.(buf);
  };
  const ckit =
    http2 || o.peerState
      ? ckitMode({
          node: o.node,
          label: o.label ?? "",
          peerState: o.peerState === "participant" ? 1 : 0,
          retransmitMult: defaultConfig(o.profile ?? "lan", { name: o.node, ...(o.overrides ?? {}) }).retransmitMult,
          logger: log,
          platform,
          onUserMessage: userMessage,
        })
      : undefined;
  const config = defaultConfig(o.profile ?? "lan", {
    name: o.node,
    delegateProtocolMin: dmin,
    delegateProtocolMax: dmax,
    delegateProtocolVersion: dcur,
    label: o.label ?? "",
    ...(o.encryptKey ? { keyring: new Keyring(o.encryptKey, o.extraKeys ?? []) } : {}),
    limits: control.memberlistLimits,
    ...(http2 ? HTTP2_MEMBERLIST : {}),
    ...(o.allowedCidrs ? { cidrsAllowed: o.allowedCidrs } : {}),
    ...(o.overrides ?? {}),
    delegate: {
      nodeMeta: () => meta,
      notifyMsg: userMessage,
      localState: (join) => o.userState ?? control.gossip?.localState(join) ?? new Uint8Array(0),
      mergeRemoteState: (buf, join) => {
        log.debug({ len: buf.length, join }, "remote state");
        if (serfMode) noteSerf(buf);
        control.gossip?.mergeRemoteState(buf, join);
        o.onRemoteState?.(buf, join);
      },
    },
    events: {
      notifyJoin: (m: MemberInfo) => log.info({ member: m.name, addr: `${m.addr}:${m.port}` }, "member joined"),
      // A member that left said so (state "left"); a dead one was declared failed by the cluster.
      notifyLeave: (m: MemberInfo) =>
        m.state === "left" ? log.info({ member: m.name, state: m.state }, "member left") : log.warn({ member: m.name, state: m.state }, "member failed"),
      notifyUpdate: (m: MemberInfo) => log.info({ member: m.name }, "member updated"),
    },
  });
  if (ckit) {
    // ckit's node layer owns push/pull state (ckit peers read it) and its broadcasts; other user
    // messages, Gravity envelopes included, still reach the agent. A Gravity state array arriving in a
    // push/pull (from a member not in ckit mode) still merges: it opens with '[', ckit's map never does.
    const own = config.events!;
    config.delegate = {
      ...ckit.delegate,
      mergeRemoteState: (buf, join) => {
        if (buf[0] === 0x5b) control.gossip?.mergeRemoteState(buf, join);
        else ckit.delegate.mergeRemoteState!(buf, join);
        o.onRemoteState?.(buf, join);
      },
    };
    config.conflict = ckit.conflict;
    config.events = {
      notifyJoin: (m) => (own.notifyJoin?.(m), ckit.events.notifyJoin!(m)),
      notifyLeave: (m) => (own.notifyLeave?.(m), ckit.events.notifyLeave!(m)),
      notifyUpdate: (m) => (own.notifyUpdate?.(m), ckit.events.notifyUpdate!(m)),
    };
  }

  let memberlist: Memberlist;
  try {
    memberlist = await createMemberlist(platform, config, transport);
  } catch (err) {
    await transport.close();
    await control.close();
    throw err;
  }
  control.attach(memberlist.broadcasts);
  ckit?.attach(memberlist);

  let http: AgentHttpServer | undefined;
  if (o.http) {
    try {
      registerAgentMetrics(platform.metrics, {
        memberlist,
        streamBudget: () => transport.streamBudget(),
        ...(transport.admission ? { admission: () => transport.admission!() } : {}),
        ...(transport.packetsRefused ? { packetsRefused: () => transport.packetsRefused!() } : {}),
      });
      http = await serveAgentHttp(
        o.http,
        {
          members: () => memberlist.members(),
          localMember: () => memberlist.localMember(),
          healthScore: () => memberlist.healthScore(),
          metrics: async () => ({ contentType: PROMETHEUS_CONTENT_TYPE, body: renderPrometheus(platform.metrics.snapshot()) }),
          store: control.store,
          registry: control.metrics,
          token: o.httpToken || undefined,
          health: () => control.health(),
          ...(ckit ? { peers: () => ckit.peersBody() } : {}),
        },
        log,
      );
    } catch (err) {
      await memberlist.shutdown();
      await transport.close();
      await control.close();
      throw err;
    }
  }
  control.startEdge();

  let joined: Agent["joined"];
  if (o.join && o.join.length > 0) {
    try {
      const contacted = await memberlist.join(o.join);
      joined = { contacted };
      log.info({ contacted, join: o.join }, "joined cluster");
    } catch (err) {
      joined = { contacted: 0, error: (err as Error).message };
      const hint = versionMismatchHint(err, serfMode);
      if (hint) log.error({ join: o.join, err: hint.detail }, hint.line);
      else log.error({ join: o.join, err: (err as Error).message }, "join failed");
    }
  }
  await ckit?.started();

  const retryJoin =
    o.retryJoin && o.retryJoin.addresses.length > 0
      ? startRetryJoin({ ...o.retryJoin, join: (addrs) => memberlist.join(addrs), clock: platform.clock, logger: log })
      : undefined;

  let left = false;
  let down = false;
  const agent: Agent = {
    memberlist,
    transport,
    http,
    control,
    ckit,
    joined,
    retryJoin,
    broadcast: (payload) => memberlist.broadcasts.queue(payload),
    async leave(timeoutMs = 5_000) {
      if (left || down) return;
      left = true;
      retryJoin?.stop();
      const alive = memberlist.members().filter((m) => m.name !== o.node && m.state === "alive");
      if (serfMode && alive.length > 0) {
        // Serf marks a member "left" only after a leave intent newer than its status time (docs/protocols/serf.md §3). Like
        // Serf's own Leave, wait until the intent has gone out its full retransmit count (bounded by
        // the timeout, Serf's BroadcastTimeout is 5 s) BEFORE the memberlist leave, so the intent can
        // never be lost behind a shutdown.
        const intent = encodeSerfLeaveIntent(o.node, maxSerfLTime + 1);
        // The broadcast goes out only a few times (the retransmit multiplier), so in a mixed cluster a
        // Serf member may miss it and show "failed". Also hand it directly, over TCP, to a few alive
        // members (Serf re-broadcasts an intent it accepts), within the same time bound.
        const direct = Promise.allSettled(
          pickSome(alive, LEAVE_DIRECT_FANOUT, () => platform.random.next()).map((m) =>
            memberlist.sendReliable(m.name, intent).catch((err: unknown) => {
              log.debug({ member: m.name, err: (err as Error).message }, "leave intent not delivered directly");
            }),
          ),
        );
        let sent: () => void = () => {};
        const transmitted = new Promise<boolean>((r) => (sent = () => r(true)));
        memberlist.broadcasts.queueBroadcast({ message: () => intent, name: "serf-leave", finished: () => sent() });
        const ok = await Promise.race([Promise.all([transmitted, direct]).then(() => true), delay(timeoutMs).then(() => false)]);
        if (!ok) log.warn({ timeoutMs }, "timeout waiting for the serf leave intent to be broadcast");
      }
      await ckit?.leaving(timeoutMs);
      await memberlist.leave(timeoutMs);
      log.info({}, "left cluster");
    },
    async shutdown() {
      if (down) return;
      down = true;
      ckit?.stop();
      retryJoin?.stop();
      await control.stopEdge();
      await memberlist.shutdown();
      await http?.close();
      await transport.close();
      await control.close();
    },
  };
  return agent;
}

/** Members the Serf leave intent is also sent to directly (Serf spreads it further itself). */
const LEAVE_DIRECT_FANOUT = 8;

/** Up to `n` of `xs`, chosen at random (partial Fisher-Yates). */
function pickSome<T>(xs: readonly T[], n: number, random: () => number): T[] {
  const a = [...xs];
  const k = Math.min(n, a.length);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k);
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
