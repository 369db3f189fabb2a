// Graphviz output, drawn exactly as minimega's Dot() does (docs/protocols/meshage.md §8): an undirected
// graph named after the node, size and overlap settings, a plaintext legend with the node count, every
// node of the effective network filled (this node red, others green), and each edge once (an edge is
// listed by the first of its ends visited). minimega walks a Go map, so its order varies; ours is sorted.
export function dot(self: string, effective: ReadonlyMap<string, readonly string[]>): string {
  let out = `graph ${self} {\n`;
  out += 'size="8,11";\n';
  out += "overlap=false;\n";
  out += `Legend [shape=box, shape=plaintext, label="total=${effective.size}"];\n`;
  const visited = new Set<string>();
  for (const k of [...effective.keys()].sort()) {
    out += `${k} [style=filled, color=${k === self ? "red" : "green"}];\n`;
    for (const c of effective.get(k)!) {
      if (!visited.has(c)) out += `${k} -- ${c}\n`;
    }
    out += "\n";
    visited.add(k);
  }
  return out + "}";
}
