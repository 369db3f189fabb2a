// The agent's control plane on Node: the Gravity StateStore (node:sqlite under --data-dir, else memory,
// said once in the log), its gossip on memberlist (src/control/state-gossip.ts), the optional edge link
// (src/control/edge-link.ts over HTTP + ws), their metrics in one portable registry, and the hint logged
// when a join is refused for a delegate/protocol version mismatch.
//
// Push/pull budget: the state travels as one JSON array in memberlist's push/pull user state. The agent
// raises memberlist's inbound stream limits (codec/limits.ts: 16 MiB by default) so that a peer's whole
// state fits: STATE_STREAM_BYTES for the stream (wire and decompressed) and the user state; its own state
// is sent whole up to maxStateBytes (DEFAULT_STATE_BYTES) and in rotating pages past it
// (docs/protocols/state-gossip.md has the measured sizes).
import {
  DEFAULT_STATE_BYTES,
  createEdgeLink,
  createStateGossip,
  httpEdgeClient,
  type BroadcastQueue,
  type EdgeLink,
  type EdgeLinkOptions,
  type SocketConnector,
  type StateGossip,
  type StateGossipOptions,
} from "../control/index.ts";
import { MembershipError, type DecodeLimits } from "../memberlist/index.ts";
import type { Platform } from "../platform/index.ts";
import { STATE_STORAGE_NAME, createStateStore, type StateStore } from "../state/index.ts";
import type { MetricsRegistry } from "../util/index.ts";
import { SqliteStateStorage, stateDbPath } from "./sqlite-storage.ts";
import { wsConnector } from "./edge-socket.ts";

const MiB = 1024 * 1024;
/** Inbound stream cap of an agent: a peer's whole state (up to 2 x the default budget) plus node states. */
export const STATE_STREAM_BYTES = 2 * DEFAULT_STATE_BYTES + 8 * MiB;

export interface ControlOptions {
  /** node:sqlite database directory; undefined = the platform's storage (memory by default). */
  dataDir?: string;
  /** Edge link: the edge's base URL and bearer token. */
  edge?: { url: string; token: string; connect?: SocketConnector };
  /** Push/pull user-state budget (bytes). */
  maxStateBytes?: number;
  gossip?: Partial<Omit<StateGossipOptions, "store" | "queue" | "logger" | "metrics">>;
  edgeLink?: Partial<Omit<EdgeLinkOptions, "store" | "cursors" | "client" | "edgeId" | "logger" | "metrics">>;
}

export interface Control {
  readonly store: StateStore;
  readonly metrics: MetricsRegistry;
  /** Set by attach(). */
  readonly gossip: StateGossip | null;
  readonly edge: EdgeLink | null;
  readonly memberlistLimits: DecodeLimits;
  /** Starts gossiping state changes on memberlist's user broadcast queue. */
  attach(queue: BroadcastQueue): void;
  startEdge(): void;
  stopEdge(): Promise<void>;
  health(): Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * Opens the agent's control plane on `platform`: the store through createStateStore (storage from the
 * platform's factory, or a node:sqlite file under `dataDir`), its metrics on the platform's registry.
 */
export function openControl(platform: Platform, o: ControlOptions): Control {
  const log = platform.logger;
  const metrics = platform.metrics;
  const t0 = performance.now();
  const sqlite = o.dataDir ? new SqliteStateStorage(stateDbPath(o.dataDir)) : null;
  const storage = sqlite ?? platform.storage.open(STATE_STORAGE_NAME);
  if (!sqlite && platform.storage.kind === "memory") log.info({}, "no --data-dir: the Gravity state is kept in memory only and is lost when the agent stops");
  let store: StateStore;
  try {
    store = createStateStore(platform, { storage });
  } catch (e) {
    sqlite?.close();
    throw e;
  }
  if (sqlite) log.info({ file: sqlite.file, records: store.size, cursor: store.cursor, ms: Math.round(performance.now() - t0) }, "state opened");

  const c = store.counters;
  const one = (name: string, type: "counter" | "gauge", help: string, read: () => number) => metrics.collect(name, help, type, read);
  one("gossamer_state_messages_total", "counter", "Gravity messages applied to the state store.", () => c.messages);
  one("gossamer_state_rejected_total", "counter", "Gravity messages (or batches) the store rejected.", () => c.rejected);
  one("gossamer_state_changes_total", "counter", "Visible state changes committed.", () => c.changes);
  one("gossamer_state_commits_total", "counter", "Storage commits.", () => c.commits);
  one("gossamer_state_records", "gauge", "Records held (visible or remembered).", () => store.size);
  one("gossamer_state_cursor", "gauge", "Last issued change cursor.", () => store.cursor);
  one("gossamer_state_route_prefixes", "gauge", "Distinct prefixes in the route table.", () => store.routeStats().prefixes);
  metrics.collect("gossamer_state_persistent", "1 when the state is persisted (--data-dir), 0 in memory.", "gauge", () => (sqlite ? 1 : 0));

  const maxStateBytes = o.maxStateBytes ?? DEFAULT_STATE_BYTES;
  const streamBytes = Math.max(STATE_STREAM_BYTES, 2 * maxStateBytes + 8 * MiB);
  const memberlistLimits: DecodeLimits = {
    maxStreamBytes: streamBytes,
    maxStreamDecompressedBytes: streamBytes,
    maxEncryptedStreamBytes: streamBytes,
    maxUserStateBytes: streamBytes,
  };

  let gossip: StateGossip | null = null;
  let edge: EdgeLink | null = null;
  if (o.edge) {
    const client = httpEdgeClient({ url: o.edge.url, token: o.edge.token, connect: o.edge.connect ?? wsConnector });
    edge = createEdgeLink(platform, { store, cursors: storage, client, edgeId: o.edge.url, ...(o.edgeLink ?? {}) });
  }
  let closed = false;
  return {
    store,
    metrics,
    get gossip() {
      return gossip;
    },
    edge,
    memberlistLimits,
    attach(queue) {
      gossip ??= createStateGossip(platform, { store, queue, maxStateBytes, ...(o.gossip ?? {}) });
    },
    startEdge() {
      if (edge) {
        log.info({ edge: o.edge!.url }, "edge link starting");
        edge.start();
      }
    },
    async stopEdge() {
      await edge?.stop();
    },
    health() {
      return {
        storage: sqlite ? { kind: "node-sqlite", file: sqlite.file } : { kind: platform.storage.kind },
        ...(edge ? { edge: edge.status() } : {}),
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await edge?.stop();
      gossip?.close();
      sqlite?.close();
    },
  };
}

/**
 * When a join failed because of a delegate or protocol version mismatch: the one line to log, naming the
 * flag to use. Null for other failures.
 */
export function versionMismatchHint(err: unknown, serfMode: boolean): { line: string; detail: string } | null {
  const seen = new Set<unknown>();
  const walk = (e: unknown): string | null => {
    if (e === null || e === undefined || seen.has(e)) return null;
    seen.add(e);
    if (Array.isArray(e)) {
      for (const x of e) {
        const r = walk(x);
        if (r) return r;
      }
      return null;
    }
    const msg = e instanceof Error ? e.message : String(e);
    if ((e instanceof MembershipError && e.kind === "incompatible_version") || /protocol version \(\d+\) is incompatible/.test(msg)) return msg;
    return e instanceof Error ? walk((e as Error & { cause?: unknown }).cause) : null;
  };
  const detail = walk(err);
  if (detail === null) return null;
  if (/delegate protocol version/.test(detail)) {
    return {
      detail,
      line: serfMode
        ? "join refused: delegate protocol version mismatch: the cluster runs plain memberlist (delegate versions 0,0,0); start the agent without --serf"
        : "join refused: delegate protocol version mismatch: the cluster runs Serf (delegate versions 2..5); start the agent with --serf",
    };
  }
  return { detail, line: "join refused: memberlist protocol version mismatch; set --delegate-versions / the peers' protocol range to overlap" };
}
