// The mesh graph as SVG, drawn on the server (no layout library, no client code): nodes evenly on a
// circle in name order, this node highlighted, each undirected link drawn once. Deterministic, so the
// same mesh always draws the same picture, and bounded: past MAX_NODES the drawing says how many it left
// out (the adjacency list under it still has every node).
import { h, type Html } from "./html.ts";

export const MAX_NODES = 120;

export function meshSvg(self: string, adjacency: Readonly<Record<string, readonly string[]>>): Html {
  const names = new Set<string>(Object.keys(adjacency));
  for (const ns of Object.values(adjacency)) for (const n of ns) names.add(n);
  names.add(self);
  const all = [...names].sort();
  const shown = all.slice(0, MAX_NODES);
  const n = shown.length;
  const size = Math.max(320, Math.min(900, 120 + n * 28));
  const c = size / 2;
  const r = n === 1 ? 0 : c - 70;
  const pos = new Map<string, { x: number; y: number; a: number }>();
  shown.forEach((name, i) => {
    const a = (2 * Math.PI * i) / n - Math.PI / 2;
    pos.set(name, { x: c + r * Math.cos(a), y: c + r * Math.sin(a), a });
  });
  const links = new Map<string, [string, string]>();
  for (const [from, tos] of Object.entries(adjacency)) {
    for (const to of tos) {
      if (from === to || !pos.has(from) || !pos.has(to)) continue;
      const pair: [string, string] = from < to ? [from, to] : [to, from];
      links.set(`${pair[0]}\u0000${pair[1]}`, pair);
    }
  }
  const edges = [...links.keys()].sort().map((k) => {
    const [from, to] = links.get(k)!;
    const p = pos.get(from)!;
    const q = pos.get(to)!;
    return h`<line class="edge" x1="${p.x.toFixed(1)}" y1="${p.y.toFixed(1)}" x2="${q.x.toFixed(1)}" y2="${q.y.toFixed(1)}"><title>${from} — ${to}</title></line>`;
  });
  const nodes = shown.map((name) => {
    const p = pos.get(name)!;
    const lx = p.x + 16 * Math.cos(p.a);
    const ly = p.y + 16 * Math.sin(p.a) + 4;
    const anchor = Math.abs(Math.cos(p.a)) < 0.3 ? "middle" : Math.cos(p.a) > 0 ? "start" : "end";
    return h`<g class="${name === self ? "node self" : "node"}"><circle cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="9"><title>${name}</title></circle><text x="${lx.toFixed(1)}" y="${ly.toFixed(1)}" text-anchor="${anchor}">${name}</text></g>`;
  });
  const more = all.length > n ? h`<text class="more" x="10" y="${size - 10}">${all.length - n} more nodes not drawn</text>` : "";
  return h`<svg class="graph" role="img" aria-label="mesh graph: ${n} nodes, ${links.size} links" viewBox="0 0 ${size} ${size}" width="${size}" height="${size}" xmlns="http://www.w3.org/2000/svg">${edges}${nodes}${more}</svg>`;
}
