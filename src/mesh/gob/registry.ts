// Type ids on the OUTGOING side. Go numbers types per process, in the order it first compiles them, and
// every stream of that process uses the same ids; a node's registry plays that role for all its
// encoders. A type's identity is its structure and names (a canonical signature of its graph), so a body
// type received on any stream maps to one local id. Allocation follows Go's order (Go 1.19 type.go):
// a struct takes its id before its fields' types; a slice, array or map after its element (and key)
// types. With that order, re-encoding the captured values reproduces the captured ids byte for byte.
import { GobError } from "./errors.ts";
import { isBasic, type GobCompositeType, type GobType } from "./types.ts";
import { FIRST_USER_ID } from "./wire.ts";

const sigCache = new WeakMap<GobType, string>();

/** Canonical text of the type graph reachable from `t` (names included; cycles as back references). */
export function typeSignature(t: GobType): string {
  if (isBasic(t)) return `b${t.id}`;
  const hit = sigCache.get(t);
  if (hit !== undefined) return hit;
  const seen = new Map<GobType, number>();
  const parts: string[] = [];
  const walk = (x: GobType): void => {
    if (isBasic(x)) {
      parts.push(`b${x.id}`);
      return;
    }
    const k = seen.get(x);
    if (k !== undefined) {
      parts.push(`@${k}`);
      return;
    }
    seen.set(x, seen.size);
    parts.push(`${x.kind}${JSON.stringify(x.name)}`);
    switch (x.kind) {
      case "slice":
        parts.push("(");
        walk(x.elem);
        parts.push(")");
        break;
      case "array":
        parts.push(`[${x.len}](`);
        walk(x.elem);
        parts.push(")");
        break;
      case "map":
        parts.push("(");
        walk(x.key);
        parts.push(",");
        walk(x.elem);
        parts.push(")");
        break;
      case "struct":
        parts.push("{");
        for (const f of x.fields) {
          parts.push(JSON.stringify(f.name), ":");
          walk(f.type);
          parts.push(";");
        }
        parts.push("}");
        break;
      default:
    }
  };
  walk(t);
  const sig = parts.join("");
  sigCache.set(t, sig);
  return sig;
}

export class TypeRegistry {
  private last = FIRST_USER_ID;
  private readonly bySig = new Map<string, number>();
  private readonly byId = new Map<number, GobCompositeType>();
  private readonly maxTypes: number;

  constructor(maxTypes = 4096) {
    this.maxTypes = maxTypes;
  }

  get size(): number {
    return this.byId.size;
  }

  /** The type registered under `id`. */
  typeOf(id: number): GobCompositeType | undefined {
    return this.byId.get(id);
  }

  /** The id of `t`, allocating ids for it and its components the way Go would. */
  idOf(t: GobType): number {
    if (isBasic(t)) return t.id;
    const known = this.bySig.get(typeSignature(t));
    if (known !== undefined) return known;
    const inProgress = new Set<GobType>();
    const alloc = (x: GobType): number => {
      if (isBasic(x)) return x.id;
      const sig = typeSignature(x);
      const have = this.bySig.get(sig);
      if (have !== undefined) return have;
      if (inProgress.has(x)) return this.assign(sig, x); // a cycle reaches a type still being built
      inProgress.add(x);
      let id: number;
      switch (x.kind) {
        case "struct":
          id = this.assign(sig, x);
          for (const f of x.fields) alloc(f.type);
          break;
        case "slice":
        case "array":
          alloc(x.elem);
          id = this.bySig.get(sig) ?? this.assign(sig, x);
          break;
        case "map":
          alloc(x.key);
          alloc(x.elem);
          id = this.bySig.get(sig) ?? this.assign(sig, x);
          break;
        default:
          id = this.assign(sig, x);
      }
      inProgress.delete(x);
      return id;
    };
    return alloc(t);
  }

  private assign(sig: string, t: GobCompositeType): number {
    if (this.byId.size >= this.maxTypes) throw new GobError("limit", `type registry full (${this.maxTypes} types)`);
    const id = ++this.last;
    this.bySig.set(sig, id);
    this.byId.set(id, t);
    return id;
  }
}
