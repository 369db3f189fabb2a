// Decoded gob values. Plain JS where that loses nothing (booleans, strings, numbers, arrays); small
// classes where the wire carries more than JS would keep: which struct fields were sent, map entry order,
// the registered name and type of an interface value, strings that are not UTF-8, NaN payloads. Encoding
// a decoded value again with the same type gives back the same bytes, which is what forwarding needs.
import type { GobType } from "./types.ts";

/** A struct value: fields[i] is field i of its type, `undefined` when the sender omitted it. */
export class GobStruct {
  readonly fields: (GobValue | undefined)[];
  constructor(fields: (GobValue | undefined)[]) {
    this.fields = fields;
  }
}

/** A map value, entries in wire order (Go's order is random; ours is whatever we were sent). */
export class GobMap {
  readonly entries: [GobValue, GobValue][];
  constructor(entries: [GobValue, GobValue][]) {
    this.entries = entries;
  }
}

/** A non-nil interface value: the registered concrete type name, its type, and the value. */
export class GobInterface {
  readonly name: string;
  readonly type: GobType;
  readonly value: GobValue;
  constructor(name: string, type: GobType, value: GobValue) {
    this.name = name;
    this.type = type;
    this.value = value;
  }
}

/** A Go string whose bytes are not valid UTF-8 (kept as bytes so it is forwarded unchanged). */
export class GoBytesString {
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
}

export class GobComplex {
  readonly re: GobFloat;
  readonly im: GobFloat;
  constructor(re: GobFloat, im: GobFloat) {
    this.re = re;
    this.im = im;
  }
}

/** A NaN float with its exact bits (JS numbers do not keep NaN payloads). */
export class GobNaN {
  readonly bits: bigint;
  constructor(bits: bigint) {
    this.bits = bits;
  }
}

export type GobFloat = number | GobNaN;

/**
 * Any decoded value. Integers are numbers when they are safe integers, else bigints. `null` is a nil
 * interface. Slices and arrays are arrays, except []byte which is a Uint8Array (as are the bytes of
 * GobEncoder-style types).
 */
export type GobValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | GoBytesString
  | GobNaN
  | GobComplex
  | GobValue[]
  | GobMap
  | GobStruct
  | GobInterface;
