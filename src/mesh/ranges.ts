// Recipient lists as minimega's CLI takes them: comma-separated names, where a name may carry one
// bracketed range list (`kn[1-3,7]` -> kn1 kn2 kn3 kn7), and `all` (alone) meaning every other node.
import { MeshError } from "./errors.ts";

const MAX_EXPANSION = 65536;

/** Splits on commas outside brackets. */
function topLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "[") depth++;
    if (ch === "]") depth--;
    if (depth < 0) throw new MeshError("bad-target", `unbalanced ] in ${JSON.stringify(s)}`);
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (depth !== 0) throw new MeshError("bad-target", `unbalanced [ in ${JSON.stringify(s)}`);
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== "");
}

function expandOne(item: string, out: string[]): void {
  const m = /^([^[\]]*)\[([^[\]]*)\]([^[\]]*)$/.exec(item);
  if (!m) {
    if (/[[\]]/.test(item)) throw new MeshError("bad-target", `bad range ${JSON.stringify(item)}`);
    out.push(item);
    return;
  }
  const [, pre, body, post] = m as unknown as [string, string, string, string];
  for (const part of body.split(",")) {
    const r = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!r) throw new MeshError("bad-target", `bad range element ${JSON.stringify(part)} in ${JSON.stringify(item)}`);
    const a = Number(r[1]);
    const b = r[2] !== undefined ? Number(r[2]) : a;
    if (b < a) throw new MeshError("bad-target", `descending range ${part}`);
    if (out.length + (b - a + 1) > MAX_EXPANSION) throw new MeshError("bad-target", `range expands to more than ${MAX_EXPANSION} names`);
    const width = r[1]!.length > 1 && r[1]!.startsWith("0") ? r[1]!.length : 0;
    for (let i = a; i <= b; i++) out.push(`${pre}${String(i).padStart(width, "0")}${post}`);
  }
}

/** Expands a recipient list. Returns "all" for the wildcard; a wildcard mixed with names is an error. */
export function expandTargets(spec: string): string[] | "all" {
  const items = topLevel(spec);
  if (items.length === 0) throw new MeshError("bad-target", "no recipients given");
  if (items.includes("all") || items.includes("*")) {
    if (items.length > 1) throw new MeshError("bad-target", "wildcard included amongst list of recipients");
    return "all";
  }
  const out: string[] = [];
  for (const it of items) expandOne(it, out);
  return [...new Set(out)];
}
