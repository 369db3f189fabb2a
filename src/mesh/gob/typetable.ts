// The type definitions one incoming stream has made, by the ids THAT stream chose (ids are per Go
// process, never assumed). Definitions may refer to ids defined later (Message's 65 names 66 before 66
// arrives), so resolution into GobType objects is lazy: it happens when a value needs the type, and a
// reference still undefined then is an error. Definitions made while an item is only partly received are
// staged and rolled back if the item has to wait for more bytes.
import { GobError } from "./errors.ts";
import type { GobLimits } from "./limits.ts";
import { basicType, type GobType } from "./types.ts";
import type { WireDef } from "./wiretype.ts";
import { FIRST_USER_ID } from "./wire.ts";

/** Type ids are int32 in Go. */
const MAX_TYPE_ID = 0x7fff_ffff;

export class TypeTable {
  private readonly defs = new Map<number, WireDef>();
  private readonly resolved = new Map<number, GobType>();
  private staged: number[] = [];
  private readonly limits: GobLimits;

  constructor(limits: GobLimits) {
    this.limits = limits;
  }

  get size(): number {
    return this.defs.size;
  }

  /** The wire definition for `id`, if this stream made one. */
  def(id: number): WireDef | undefined {
    return this.defs.get(id);
  }

  /** Records a definition. `offset` locates the defining unit for errors. */
  define(id: number, def: WireDef, offset: number): void {
    if (id < FIRST_USER_ID || id > MAX_TYPE_ID) throw new GobError("type-id", `type definition for reserved or invalid id ${id}`, offset);
    if (this.defs.has(id)) throw new GobError("duplicate-type", `type ${id} defined twice on this stream`, offset);
    if (this.defs.size >= this.limits.maxTypes) throw new GobError("limit", `more than ${this.limits.maxTypes} type definitions on one stream`, offset);
    this.defs.set(id, def);
    this.staged.push(id);
  }

  /** Keeps the definitions made since the last commit. */
  commit(): void {
    this.staged = [];
  }

  /** Forgets the definitions made since the last commit (the item will be decoded again). */
  rollback(): void {
    if (this.staged.length === 0) return;
    for (const id of this.staged) this.defs.delete(id);
    this.staged = [];
    this.resolved.clear();
  }

  /** The type with this id: predefined, or resolved from this stream's definitions. */
  resolve(id: number, offset: number): GobType {
    const basic = basicType(id);
    if (basic) return basic;
    const hit = this.resolved.get(id);
    if (hit) return hit;
    // Build the graph reachable from id: create every node first (so cycles can point at them), then fill.
    const pending: [number, WireDef, GobType][] = [];
    const local = new Map<number, GobType>();
    const node = (ref: number): GobType => {
      const b = basicType(ref);
      if (b) return b;
      const done = this.resolved.get(ref) ?? local.get(ref);
      if (done) return done;
      const d = this.defs.get(ref);
      if (!d) throw new GobError("unknown-type", `type id ${ref} is used but not defined on this stream`, offset);
      let t: GobType;
      switch (d.kind) {
        case "array":
          t = { kind: "array", name: d.name, elem: undefined as unknown as GobType, len: d.len };
          break;
        case "slice":
          t = { kind: "slice", name: d.name, elem: undefined as unknown as GobType };
          break;
        case "map":
          t = { kind: "map", name: d.name, key: undefined as unknown as GobType, elem: undefined as unknown as GobType };
          break;
        case "struct":
          t = { kind: "struct", name: d.name, fields: [] };
          break;
        default:
          t = { kind: d.kind, name: d.name };
      }
      local.set(ref, t);
      pending.push([ref, d, t]);
      return t;
    };
    const root = node(id);
    for (let i = 0; i < pending.length; i++) {
      const [, d, t] = pending[i]!;
      if (d.kind === "array" && t.kind === "array") t.elem = node(d.elem);
      else if (d.kind === "slice" && t.kind === "slice") t.elem = node(d.elem);
      else if (d.kind === "map" && t.kind === "map") {
        t.key = node(d.key);
        t.elem = node(d.elem);
      } else if (d.kind === "struct" && t.kind === "struct") {
        for (const f of d.fields) t.fields.push({ name: f.name, type: node(f.id) });
      }
    }
    for (const [ref, , t] of pending) this.resolved.set(ref, t);
    return root;
  }
}
