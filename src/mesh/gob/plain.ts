// Plain JS views of decoded values, for people and JSON (the admin API's message stream, logs, tests):
// structs become objects of their SENT fields by name, maps with string keys become objects (others a
// list of [key, value] pairs), interfaces become {type, value}, []byte and GobEncoder bytes base64,
// non-UTF-8 strings {bytes: base64}. Integers stay bigint when they are not safe numbers; toJsonText
// writes those as decimal strings.
import type { GobType } from "./types.ts";
import { GobComplex, GobInterface, GobMap, GobNaN, GobStruct, GoBytesString, type GobValue } from "./values.ts";

export type Plain = null | boolean | number | bigint | string | Plain[] | { [k: string]: Plain };

function base64(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return btoa(s);
}

export function toPlain(t: GobType, v: GobValue): Plain {
  if (v === null || typeof v === "boolean" || typeof v === "number" || typeof v === "bigint" || typeof v === "string") return v;
  if (v instanceof Uint8Array) return base64(v);
  if (v instanceof GoBytesString) return { bytes: base64(v.bytes) };
  if (v instanceof GobNaN) return "NaN";
  if (v instanceof GobComplex) return { re: toPlain({ kind: "float", id: 4 }, v.re), im: toPlain({ kind: "float", id: 4 }, v.im) };
  if (v instanceof GobInterface) return { type: v.name, value: toPlain(v.type, v.value) };
  if (Array.isArray(v)) {
    const elem = t.kind === "slice" || t.kind === "array" ? t.elem : t;
    return v.map((x) => toPlain(elem, x));
  }
  if (v instanceof GobMap) {
    const key = t.kind === "map" ? t.key : t;
    const elem = t.kind === "map" ? t.elem : t;
    if (key.kind === "string" && v.entries.every(([k]) => typeof k === "string")) {
      const o: { [k: string]: Plain } = {};
      for (const [k, x] of v.entries) o[k as string] = toPlain(elem, x);
      return o;
    }
    return v.entries.map(([k, x]) => [toPlain(key, k), toPlain(elem, x)]);
  }
  if (v instanceof GobStruct) {
    const o: { [k: string]: Plain } = {};
    const fields = t.kind === "struct" ? t.fields : [];
    v.fields.forEach((x, i) => {
      if (x === undefined) return;
      const f = fields[i];
      o[f ? f.name : `f${i}`] = toPlain(f ? f.type : t, x);
    });
    return o;
  }
  return null;
}

/** JSON text of a plain value; bigints that are not safe integers become decimal strings. */
export function toJsonText(p: Plain): string {
  return JSON.stringify(p, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
}
