// The agent's status page (/ui on --http): the portable UI (src/ui/) fed from this process: members from
// memberlist, the Gravity store, health (storage, edge link), and ckit peer states when the agent runs
// ckit's node layer (the `ckitPeers` hook; absent otherwise, and the page says so). Live updates come
// from the store's watch stream (the same hub as /v1/watch) plus a 2 s poll for membership.
import type { Context } from "hono";
import type { MemberInfo } from "../memberlist/index.ts";
import type { StateStore } from "../state/index.ts";
import { lookupRoute, type UiCkitPeer, type UiData, type UiHost, type UiMember } from "../ui/index.ts";

export interface AgentUiSource {
  members(): MemberInfo[];
  localMember(): MemberInfo;
  memberJson(m: MemberInfo): UiMember;
  healthScore?(): number;
  store: StateStore;
  token: string | undefined;
  health?(): Record<string, unknown>;
  /** ckit peer states (GET /v1/peers), when ckit's node layer runs; undefined = no ckit panel. */
  ckitPeers?(): UiCkitPeer[];
  /** Upgrades a request to the store's watch stream. */
  watch(c: Context): Response | Promise<Response>;
}

const edgeText = (e: unknown): string | undefined => {
  const s = e as { up?: { state?: string; pending?: number }; down?: { state?: string } } | undefined;
  if (!s?.up || !s.down) return undefined;
  return `up ${s.up.state} (${s.up.pending ?? 0} pending), down ${s.down.state}`;
};

export function agentUiHost(src: AgentUiSource): UiHost {
  return {
    token: () => src.token,
    tokenSetting: "--http-token (GOSSAMER_HTTP_TOKEN)",
    pollMs: 2000,
    watch: (c) => src.watch(c),
    async data(_c, ip): Promise<UiData> {
      const self = src.localMember().name;
      const members = src.members();
      const health = src.health?.() ?? {};
      const storage = (health["storage"] as { kind?: string; file?: string } | undefined) ?? {};
      const edge = edgeText(health["edge"]);
      const facts: [string, string][] = [
        ["node", self],
        ["alive", `${members.filter((m) => m.state === "alive").length} of ${members.length}`],
        ["health score", src.healthScore ? `${src.healthScore()}${src.healthScore() === 0 ? " (healthy)" : ""}` : "—"],
        ["records", String(src.store.size)],
        ["storage", storage.file ? `${storage.kind} ${storage.file}` : (storage.kind ?? "memory")],
        ["edge link", edge ?? "off"],
      ];
      const ckit = src.ckitPeers?.();
      return {
        kind: "agent",
        title: `gossamer · agent ${self}`,
        facts,
        members: { self, list: members.map((m) => src.memberJson(m)) },
        ...(ckit ? { ckit } : {}),
        store: src.store.snapshot(),
        ...(ip !== undefined ? { lookup: lookupRoute(ip, (a) => src.store.route(a)) } : {}),
        ...(ckit ? {} : { absent: [{ panel: "ckit peers", why: "ckit peer states show here when the agent runs ckit's node layer (--peer-state, or --transport http2)." }] }),
      };
    },
  };
}
