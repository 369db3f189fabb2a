// Sending along the mesh (docs/protocols/meshage.md §5–§6). Set: recipients are grouped by next hop and
// each next hop gets one copy carrying only its group; unknown destinations are skipped ("no route to
// host"); a send whose only recipient is this node is an error; there is no retry over another path.
// Flood (MSAs): a copy to every neighbour not already on the message's CurrentRoute. Everything here is
// callback-driven (promises only for the caller of Set), so large simulations stay cheap.
import type { Logger } from "../util/index.ts";
import { MeshError } from "./errors.ts";
import type { Link } from "./link.ts";
import type { DataMessage, MsaMessage } from "./message.ts";
import type { MeshStats } from "./stats.ts";
import type { Topology } from "./topology.ts";

export interface SendResult {
  /** Recipients handed to a first hop (minimega's return value). */
  recipients: string[];
  /** First hops that failed, with the recipients routed through them. */
  failed: { hop: string; recipients: string[]; error: MeshError }[];
  /** Recipients with no route (skipped). */
  unroutable: string[];
}

export class Router {
  private readonly self: string;
  private readonly topology: Topology;
  private readonly stats: MeshStats;
  private readonly log: Logger;
  private readonly linkOf: (name: string) => Link | undefined;
  /** The links of the node, for floods. */
  links: () => Iterable<Link> = () => [];

  constructor(self: string, topology: Topology, stats: MeshStats, log: Logger, linkOf: (name: string) => Link | undefined) {
    this.self = self;
    this.topology = topology;
    this.stats = stats;
    this.log = log;
    this.linkOf = linkOf;
  }

  /** Routes a MESSAGE (ours when `origin`, else a relay). Resolves once every first hop ACKed or failed. */
  send(m: DataMessage, origin: boolean): Promise<SendResult> {
    const groups = new Map<string, string[]>();
    const unroutable: string[] = [];
    for (const r of m.recipients) {
      if (r === this.self) {
        if (m.recipients.length === 1) return Promise.reject(new MeshError("send-self", "cannot mesh send yourself"));
        continue;
      }
      const hop = this.topology.nextHop(r);
      if (hop === undefined) {
        unroutable.push(r);
        continue;
      }
      let g = groups.get(hop);
      if (!g) groups.set(hop, (g = []));
      g.push(r);
    }
    if (unroutable.length > 0) this.log.warn({ unroutable, source: m.source }, "no route to host, skipping");
    const result: SendResult = { recipients: [...groups.values()].flat(), failed: [], unroutable };
    if (groups.size === 0) return Promise.resolve(result);
    return new Promise((resolve) => {
      let pending = groups.size;
      const finish = (hop: string, rs: string[], err: MeshError | null) => {
        if (err) {
          this.stats.sendFailures++;
          result.failed.push({ hop, recipients: rs, error: err });
          if (!origin) this.log.warn({ hop, source: m.source, err: err.message }, "forward failed");
        }
        if (--pending === 0) resolve(result);
      };
      for (const [hop, rs] of groups) {
        const link = this.linkOf(hop);
        if (!origin) this.stats.forwarded++;
        if (!link) {
          finish(hop, rs, new MeshError("no-client", `no such client ${hop}`));
          continue;
        }
        link.send({ ...m, recipients: rs }, (err) => finish(hop, rs, err));
      }
    });
  }

  /** Floods an MSA to every neighbour not on its route (a relay counts its copies as flooded). */
  flood(m: MsaMessage, relay: boolean): void {
    const shared = { bytes: null as Uint8Array | null };
    // One callback for every copy; a copy fails when its link closes or times out (logged there).
    const done = (err: MeshError | null) => {
      if (err && err.reason !== "link-closed") this.log.debug({ source: m.source, id: String(m.id), err: err.message }, "flood to client failed");
    };
    for (const link of this.links()) {
      if (m.route.includes(link.name)) continue;
      if (relay) this.stats.flooded++;
      link.send(m, done, shared);
    }
  }
}
