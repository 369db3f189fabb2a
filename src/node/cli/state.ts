// `gossamer state` and `gossamer route IP`: the Gravity state store of an agent (or of the worker: pass
// its URL and STORE_TOKEN) through the store API (docs/protocols/store-api.md): GET /v1/state as tables
// per record kind (endpoints, subnet routes, NAT entries, VIP owners, tombstones), GET /v1/route?ip= as
// the winning record. --format json prints the API's answer unchanged. `route` exits 1 when nothing
// matches, so scripts can test it.
import type { EndpointMapping, EndpointTombstone, NATEntry, SubnetRoute, VIPHeartbeat } from "../../gossip/index.ts";
import { CLIENT_USAGE, getJson, parseClientFlags, runClient } from "./client.ts";
import { UsageError } from "./flags.ts";
import { columns } from "./output.ts";

export const summary = "print an agent's (or the worker's) Gravity state: endpoints, routes, NAT, VIP owners (--format json)";
export const routeSummary = "longest-prefix match of an IP over the subnet routes and NAT entries (exit 1: no match)";

const STATE_USAGE = `usage: gossamer state [flags]
  ${summary}
${CLIENT_USAGE}`;

const ROUTE_USAGE = `usage: gossamer route IP [flags]
  ${routeSummary}
${CLIENT_USAGE}`;

interface Snapshot {
  cursor: number;
  endpoints: EndpointMapping[];
  tombstones: EndpointTombstone[];
  nats: NATEntry[];
  vips: VIPHeartbeat[];
  routes: SubnetRoute[];
}

const when = (unixSeconds: number) => (unixSeconds > 0 ? new Date(unixSeconds * 1000).toISOString().replace(".000Z", "Z") : "-");

function section(title: string, header: string[], rows: string[][]): string {
  return `${title} (${rows.length})\n${rows.length > 0 ? columns(header, rows).replace(/^/gm, "  ") : ""}`;
}

/** The text rendering of a snapshot (exported for tests). */
export function stateText(s: Snapshot): string {
  return [
    `cursor ${s.cursor}\n`,
    section("Endpoints", ["Container", "Machine", "Gravity VIP", "Hadron VIP", "DNS names", "Updated"], s.endpoints.map((e) => [e.container_id, e.machine_id, e.gravity_vip, e.hadron_vip, (e.dns_names ?? []).join(","), when(e.timestamp)])),
    section("Subnet routes", ["Subnet", "Machine", "Ion", "Updated"], s.routes.map((r) => [r.subnet, r.machine_id, r.ion_id, when(r.timestamp)])),
    section("NAT entries", ["Key", "Original dst", "Original src", "Ports", "Updated"], s.nats.map((n) => [n.key, n.original_dst, n.original_src, `${n.src_port}->${n.dst_port}`, when(n.timestamp)])),
    section("VIP owners", ["VIP", "Owners", "Updated"], s.vips.map((v) => [v.vip, Object.keys(v.owners ?? {}).sort().join(","), when(v.timestamp)])),
    section("Tombstones", ["Container", "Machine", "Deleted"], s.tombstones.map((t) => [t.container_id, t.machine_id, when(t.timestamp)])),
  ].join("\n");
}

type RouteMatch = { kind: "nat"; prefix: string; entry: NATEntry } | { kind: "subnet"; prefix: string; route: SubnetRoute };

/** One line for a route answer (exported for tests). */
export function routeText(ip: string, match: RouteMatch | null): string {
  if (!match) return `${ip}: no route\n`;
  if (match.kind === "subnet") return `${ip}: subnet ${match.prefix} -> machine ${match.route.machine_id} via ion ${match.route.ion_id}\n`;
  return `${ip}: nat ${match.prefix} -> ${match.entry.original_dst} (key ${match.entry.key}, from ${match.entry.original_src})\n`;
}

export function run(argv: string[]): Promise<number> {
  return runClient("state", STATE_USAGE, async () => {
    const c = parseClientFlags(argv);
    if (c.args.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(c.args[0])}`);
    const s = (await getJson(c, "/v1/state")) as Snapshot;
    process.stdout.write(c.format === "json" ? `${JSON.stringify(s, null, 2)}\n` : stateText(s));
    return 0;
  });
}

export function runRoute(argv: string[]): Promise<number> {
  return runClient("route", ROUTE_USAGE, async () => {
    const c = parseClientFlags(argv);
    if (c.args.length !== 1) throw new UsageError(c.args.length === 0 ? "route needs an IP address" : `route takes one IP, got ${c.args.length} arguments`);
    const ip = c.args[0]!;
    const r = (await getJson(c, `/v1/route?ip=${encodeURIComponent(ip)}`)) as { ip: string; match: RouteMatch | null };
    process.stdout.write(c.format === "json" ? `${JSON.stringify(r, null, 2)}\n` : routeText(ip, r.match));
    return r.match ? 0 : 1;
  });
}
