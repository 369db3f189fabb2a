// The panels of the status page, each a <section> rendered from UiData: header facts, members, ckit
// peers, the state store (counts, routes, endpoints, NAT entries, VIP owners) with the IP lookup box,
// relay shards and peers, the mesh graph. Tables are capped at MAX_ROWS rows (a note says how many more
// there are: the JSON API has them all). This is also the fragment the page re-fetches when it updates.
import type { RouteMatch, StateSnapshot } from "../state/index.ts";
import { meshSvg } from "./graph.ts";
import { h, type Html, type HtmlValue } from "./html.ts";
import type { UiCkitPeer, UiData, UiLookup, UiMember, UiMesh, UiRelay } from "./types.ts";

export const MAX_ROWS = 200;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const when = (unixSeconds: number) => (unixSeconds > 0 ? new Date(unixSeconds * 1000).toISOString().replace(/\.000Z$/, "Z").replace("T", " ") : "—");
const vers = (v: { min: number; max: number; cur: number }) => `${v.min}/${v.max}/${v.cur}`;
const hostPort = (a: string, p: number) => (a.includes(":") ? `[${a}]:${p}` : `${a}:${p}`);

function table(id: string, header: readonly string[], rows: readonly (readonly HtmlValue[])[], empty: string): Html {
  if (rows.length === 0) return h`<p class="empty" data-table="${id}">${empty}</p>`;
  const shown = rows.slice(0, MAX_ROWS);
  const more = rows.length > shown.length ? h`<p class="more">${rows.length - shown.length} more not shown</p>` : "";
  return h`<table data-table="${id}"><thead><tr>${header.map((c) => h`<th>${c}</th>`)}</tr></thead><tbody>${shown.map(
    (r) => h`<tr>${r.map((c) => h`<td>${c}</td>`)}</tr>`,
  )}</tbody></table>${more}`;
}

function badge(state: string): Html {
  const cls = /^(alive|participant|online)$/.test(state) ? "ok" : /^(suspect|viewer|terminating)$/.test(state) ? "warn" : /^(left)$/.test(state) ? "off" : "bad";
  return h`<span class="badge ${cls}">${state}</span>`;
}

function tags(t: Record<string, string> | null): Html {
  if (!t) return h``;
  return h`${Object.keys(t)
    .sort()
    .map((k) => h`<span class="tag">${k}=${t[k]}</span> `)}`;
}

export function factsPanel(d: UiData): Html {
  return h`<dl class="facts">${d.facts.map(([k, v]) => h`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}

export function membersPanel(m: { self: string; list: UiMember[] }): Html {
  const list = [...m.list].sort((a, b) => a.name.localeCompare(b.name));
  const alive = list.filter((x) => x.state === "alive").length;
  return h`<section class="panel" id="members"><h2>Members <small>${alive} alive of ${list.length}</small></h2>${table(
    "members",
    ["Name", "Address", "State", "Tags", "Incarnation", "Protocol", "Delegate"],
    list.map((x) => [x.name === m.self ? h`<strong>${x.name}</strong> <small>(this agent)</small>` : x.name, hostPort(x.address, x.port), badge(x.state), tags(x.tags), x.incarnation, vers(x.protocol), vers(x.delegate)]),
    "no members",
  )}</section>`;
}

export function ckitPanel(peers: UiCkitPeer[]): Html {
  return h`<section class="panel" id="ckit"><h2>ckit peers <small>${plural(peers.length, "peer")}</small></h2>${table(
    "ckit",
    ["Name", "Address", "State"],
    [...peers].sort((a, b) => a.name.localeCompare(b.name)).map((p) => [p.self ? h`<strong>${p.name}</strong> <small>(self)</small>` : p.name, p.addr, badge(p.state)]),
    "no peers",
  )}</section>`;
}

export function routeText(m: RouteMatch | null): string {
  if (!m) return "no route";
  if (m.kind === "subnet") return `subnet ${m.prefix} → machine ${m.route.machine_id} via ion ${m.route.ion_id}`;
  return `NAT ${m.prefix} → ${m.entry.original_dst} (key ${m.entry.key}, from ${m.entry.original_src})`;
}

function lookupBox(l: UiLookup | undefined, action: string): Html {
  const result = !l
    ? ""
    : "error" in l
      ? h`<p class="lookup-result bad" id="lookup-result"><code>${l.ip}</code>: ${l.error.code}: ${l.error.message}</p>`
      : h`<p class="lookup-result ${l.match ? "ok" : "off"}" id="lookup-result"><code>${l.ip}</code>: ${routeText(l.match)}</p>`;
  return h`<form class="lookup" method="get" action="${action}"><label for="ip">Route lookup</label> <input id="ip" name="ip" placeholder="fd15:d710:2:5::1 or 10.96.0.10" value="${l?.ip ?? ""}" autocomplete="off" spellcheck="false"> <button type="submit">Look up</button></form>${result}`;
}

export function storePanel(s: StateSnapshot, lookup: UiLookup | undefined, action: string): Html {
  const counts: [string, number][] = [
    ["endpoints", s.endpoints.length],
    ["subnet routes", s.routes.length],
    ["NAT entries", s.nats.length],
    ["VIPs", s.vips.length],
    ["tombstones", s.tombstones.length],
  ];
  return h`<section class="panel" id="store"><h2>State store <small>cursor <span id="cursor">${s.cursor}</span></small></h2>
<p class="counts">${counts.map(([k, n]) => h`<span><b>${n}</b> ${k}</span> `)}</p>
${lookupBox(lookup, action)}
<h3>Subnet routes</h3>${table("routes", ["Subnet", "Machine", "Ion", "Updated"], s.routes.map((r) => [h`<code>${r.subnet}</code>`, r.machine_id, r.ion_id, when(r.timestamp)]), "no subnet routes")}
<h3>Endpoints</h3>${table(
    "endpoints",
    ["Container", "Machine", "Project", "Gravity VIP", "Hadron VIP", "DNS names", "SNI", "Updated"],
    s.endpoints.map((e) => [e.container_id, e.machine_id, e.project_id, h`<code>${e.gravity_vip}</code>`, h`<code>${e.hadron_vip}</code>`, (e.dns_names ?? []).join(", "), e.sni_hostname, when(e.timestamp)]),
    "no endpoints",
  )}
<h3>NAT entries</h3>${table("nats", ["Key", "Original dst", "Original src", "Ports", "Updated"], s.nats.map((n) => [n.key, h`<code>${n.original_dst}</code>`, h`<code>${n.original_src}</code>`, `${n.src_port} → ${n.dst_port}`, when(n.timestamp)]), "no NAT entries")}
<h3>VIP owners</h3>${table(
    "vips",
    ["VIP", "Owners", "Heartbeat"],
    s.vips.map((v) => [
      h`<code>${v.vip}</code>`,
      Object.keys(v.owners ?? {})
        .sort()
        .map((o) => h`<span class="tag">${o} @ ${when(v.owners![o]!)}</span> `),
      when(v.timestamp),
    ]),
    "no VIP owners",
  )}
<h3>Tombstones</h3>${table("tombstones", ["Container", "Machine", "Deleted"], s.tombstones.map((t) => [t.container_id, t.machine_id, when(t.timestamp)]), "no tombstones")}
</section>`;
}

export function relayPanel(r: UiRelay): Html {
  const more = r.total > r.peers.length ? h`<p class="more">${r.total - r.peers.length} more peers not listed</p>` : "";
  return h`<section class="panel" id="relay"><h2>Relay <small>${plural(r.total, "peer")} on ${plural(r.shards.length, "shard")}</small></h2>
${table("shards", ["Shard", "Peers"], r.shards.map((s) => [s.name, s.peers]), "no shards")}
<h3>Peers</h3>${table("relay-peers", ["Peer ID", "Shard", "Connected since"], r.peers.map((p) => [h`<code>${p.peer}</code>`, p.shard, new Date(p.since).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z")]), "no peers connected")}${more}</section>`;
}

export function meshPanel(m: UiMesh): Html {
  const names = Object.keys(m.adjacency).sort();
  return h`<section class="panel" id="mesh"><h2>Mesh <small>${plural(names.length, "node")}</small></h2>
<div class="graph-wrap">${meshSvg(m.self, m.adjacency)}</div>
${table("mesh-links", ["Node", "Neighbours"], names.map((n) => [n === m.self ? h`<strong>${n}</strong>` : n, [...(m.adjacency[n] ?? [])].sort().join(", ")]), "no nodes")}</section>`;
}

/** Everything under the header: the part the page replaces on each update. */
export function renderPanels(d: UiData, lookupAction: string): Html {
  const absent = (d.absent ?? []).map((a) => h`<section class="panel absent" id="${`absent-${a.panel.replace(/\W+/g, "-")}`}"><h2>${a.panel}</h2><p class="empty">${a.why}</p></section>`);
  return h`${factsPanel(d)}${d.members ? membersPanel(d.members) : ""}${d.ckit ? ckitPanel(d.ckit) : ""}${d.store ? storePanel(d.store, d.lookup, lookupAction) : ""}${d.relay ? relayPanel(d.relay) : ""}${d.mesh ? meshPanel(d.mesh) : ""}${absent}`;
}
