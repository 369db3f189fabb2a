// The agent's ckit mode (docs/protocols/ckit.md §8): `gossamer agent --transport http2` and/or
// `--peer-state viewer|participant`. It runs ckit's node layer on the agent's memberlist member: peer
// states gossiped as ckit does, GET /v1/peers in ckit's peer JSON, and the cluster_node_* /
// cluster_transport_* metrics (on the platform registry the agent renders). Kept apart from agent.ts,
// which only asks for the parts. Push/pull user state is ckit's in this mode (ckit peers decode it), so
// the Gravity state spreads by its gossip messages only (docs/protocols/ckit.md §8).
//
// The memberlist delegates are ckit's, with user messages that are not ckit gossip passed on to the
// agent (so application messages still arrive). With --peer-state participant the member moves to
// participant after its start-up join; on leave a participant first moves to terminating (as ckit asks
// of callers), bounded by the leave timeout. A broadcast goes out only its retransmit count, to random
// members, and nothing repairs a missed terminating state once we are gone (push/pull needs us alive), so
// the terminating State is also handed directly, over a stream, to a few alive members.
import type { ConflictDelegate, Delegate, EventDelegate, Memberlist, MemberlistConfig } from "../memberlist/index.ts";
import type { Platform } from "../platform/index.ts";
import type { Logger, TimerHandle } from "../util/index.ts";
import { CkitNodeState, MESSAGE_MAGIC, nodeMetrics, PeerState, peersJSON, type KnownPeerState } from "../ckit/index.ts";
import { createCkitTransport, type CkitHttpTransport } from "./ckit-transport.ts";
import type { TlsServerOptions } from "./ckit-listener.ts";
import type { NodeTransport } from "./transport.ts";
import type { StreamBudget } from "./stream-budget.ts";
import { TransportNetError } from "../transport/index.ts";

export type AgentTransportKind = "udp" | "http2";

export interface CkitModeOptions {
  node: string;
  label: string;
  /** State to reach after the start-up join (viewer stays viewer). */
  peerState: KnownPeerState;
  retransmitMult: number;
  logger: Logger;
  platform: Platform;
  onUserMessage(buf: Uint8Array): void;
}

export interface CkitMode {
  readonly state: CkitNodeState;
  /** Delegates for the memberlist config (replace the agent's own). */
  readonly delegate: Delegate;
  readonly events: EventDelegate;
  readonly conflict: ConflictDelegate;
  attach(ml: Memberlist): void;
  /** After the start-up join: move to the configured state. */
  started(): Promise<void>;
  /** Before leaving: a participant moves to terminating (bounded by timeoutMs). */
  leaving(timeoutMs: number): Promise<void>;
  /** Body of GET /v1/peers. */
  peersBody(): string;
  stop(): void;
}

/** memberlist settings the HTTP/2 transport needs (ckit's): no TCP-ping fallback, 10 MiB packets. */
export const HTTP2_MEMBERLIST: Partial<MemberlistConfig> = { disableTcpPings: true, udpBufferSize: 10 * 1024 * 1024 };

export async function createAgentHttp2Transport(
  platform: Platform,
  o: { bind: string; advertise?: string; tls?: TlsServerOptions; streamBudget?: StreamBudget },
): Promise<CkitHttpTransport> {
  return createCkitTransport(platform, {
    listen: o.bind,
    ...(o.advertise ? { advertise: o.advertise } : {}),
    ...(o.tls ? { tls: o.tls } : {}),
    ...(o.streamBudget ? { streamBudget: o.streamBudget } : {}),
  });
}

/**
 * The gossiphttp transport in the agent's NodeTransport shape: bound() is the HTTP/2 listener, there is
 * no UDP socket (buffer 0), and pools need the UDP/TCP transport (pool() throws).
 */
export function asNodeTransport(t: CkitHttpTransport, budget: StreamBudget): NodeTransport {
  return {
    advertise: () => t.advertise(),
    sendPacket: (to, buf) => t.sendPacket(to, buf),
    dialStream: (to, ms) => t.dialStream(to, ms),
    onPacket: (h) => t.onPacket(h),
    onStream: (h) => t.onStream(h),
    warm: (to) => t.warm(to),
    close: () => t.close(),
    bound: () => t.bound() ?? t.advertise(),
    udpRecvBufferSize: () => 0,
    streamBudget: () => budget.stats(),
    pool: () => {
      throw new TransportNetError("pools need the UDP/TCP transport (--transport udp)");
    },
  };
}

/** Alive members the terminating State is also sent to directly (they gossip it on). */
const TERMINATING_DIRECT_FANOUT = 8;

/** Up to `n` alive members other than `self`, at random. */
function someAlive(ml: Memberlist, self: string, n: number, random: () => number): string[] {
  const names = ml
    .members()
    .filter((m) => m.name !== self && m.state === "alive")
    .map((m) => m.name);
  for (let i = 0; i < Math.min(n, names.length); i++) {
    const j = i + Math.floor(random() * (names.length - i));
    [names[i], names[j]] = [names[j]!, names[i]!];
  }
  return names.slice(0, n);
}

export function ckitMode(o: CkitModeOptions): CkitMode {
  const log = o.logger.child({ component: "ckit" });
  let attached: Memberlist | undefined;
  const state = new CkitNodeState({ name: o.node, logger: log, retransmitMult: o.retransmitMult, now: () => o.platform.clock.now() });
  const magic0 = MESSAGE_MAGIC >> 8;
  const magic1 = MESSAGE_MAGIC & 0xff;
  const delegate: Delegate = {
    ...state.delegate,
    notifyMsg(buf) {
      if (buf.length >= 2 && buf[0] === magic0 && buf[1] === magic1) return state.delegate.notifyMsg!(buf);
      o.onUserMessage(buf);
    },
  };
  return {
    state,
    delegate,
    events: state.events,
    conflict: state.conflict,
    attach(ml) {
      attached = ml;
      state.attach(ml, nodeMetrics(o.platform.metrics, o.label, state.metricsSource()));
    },
    async started() {
      if (o.peerState !== PeerState.participant) return;
      await state.changeState(PeerState.participant, AbortSignal.timeout(10_000)).catch((err: unknown) => {
        log.warn({ err: String(err) }, "state change not confirmed");
      });
      log.info({ state: "participant" }, "peer state changed");
    },
    async leaving(timeoutMs) {
      if (state.currentState() !== PeerState.participant) return;
      const gossiped = state.changeState(PeerState.terminating, AbortSignal.timeout(timeoutMs)).catch((err: unknown) => {
        log.warn({ err: String(err) }, "terminating state not confirmed");
      });
      const msg = state.localMessage();
      const ml = attached;
      const direct =
        msg && ml
          ? someAlive(ml, o.node, TERMINATING_DIRECT_FANOUT, () => o.platform.random.next()).map((name) =>
              ml.sendReliable(name, msg).catch((err: unknown) => log.debug({ member: name, err: (err as Error).message }, "terminating state not delivered directly")),
            )
          : [];
      let timer: TimerHandle | undefined;
      await Promise.race([Promise.all([gossiped, ...direct]), new Promise<void>((r) => (timer = o.platform.clock.setTimeout(() => r(), timeoutMs)))]);
      if (timer !== undefined) o.platform.clock.clearTimeout(timer);
    },
    peersBody: () => peersJSON(state.peers()),
    stop: () => state.stop(),
  };
}
