// What the status page shows, as plain data. Each host (the agent, the worker, the mesh admin API) fills
// the parts it has; the renderer (panels.ts) draws what is present and names what is not.
import type { RouteMatch, StateSnapshot } from "../state/index.ts";

export interface UiVersions {
  min: number;
  max: number;
  cur: number;
}

/** A memberlist member, as GET /v1/members reports it. */
export interface UiMember {
  name: string;
  address: string;
  port: number;
  state: string;
  incarnation: number;
  tags: Record<string, string> | null;
  protocol: UiVersions;
  delegate: UiVersions;
}

/** A ckit peer, as GET /v1/peers reports it (docs/protocols/ckit.md). */
export interface UiCkitPeer {
  name: string;
  addr: string;
  self: boolean;
  state: string;
}

/** A relay peer and the shard it is connected to. */
export interface UiRelayPeer {
  peer: string;
  shard: string;
  /** Connected since, epoch ms. */
  since: number;
}

export interface UiRelay {
  shards: { name: string; peers: number }[];
  peers: UiRelayPeer[];
  /** Total connected peers (peers may be a prefix of them). */
  total: number;
}

export interface UiMesh {
  self: string;
  /** Effective network: node -> its neighbours. */
  adjacency: Record<string, string[]>;
}

export type UiLookup = { ip: string; match: RouteMatch | null } | { ip: string; error: { code: string; message: string } };

export interface UiData {
  kind: "agent" | "edge" | "mesh";
  title: string;
  /** Short facts for the header: node, build, health, edge link... */
  facts: [string, string][];
  members?: { self: string; list: UiMember[] };
  /** ckit peer states (an agent with ckit's node layer). */
  ckit?: UiCkitPeer[];
  store?: StateSnapshot;
  lookup?: UiLookup;
  relay?: UiRelay;
  mesh?: UiMesh;
  /** Panels this host could show but does not, with the reason (e.g. how to enable them). */
  absent?: { panel: string; why: string }[];
}
