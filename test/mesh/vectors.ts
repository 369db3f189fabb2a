// The captured meshage streams (the project's capture set: 16 stream directions between
// real minimega meshage nodes, plus two Go-verified variants of s5) and their annotated values
// (manifest.json). Numbers too large for a JS number are read as bigint.
import { readFileSync } from "node:fs";

export interface CapturedStream {
  /** File name in test/mesh/vectors/. */
  name: string;
  role: "acceptor" | "dialer";
  src: string;
  dst: string;
  units: number;
  items: number;
  bytes: Uint8Array;
  /** Annotated values in stream order: strings, booleans, {typedef: id}, Message objects. */
  values: unknown[];
}

const dir = new URL("./vectors/", import.meta.url);

function parseWithBigints(text: string): unknown {
  const marked = text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"#big:$2"');
  return JSON.parse(marked, (_k, v: unknown) => (typeof v === "string" && v.startsWith("#big:") ? BigInt(v.slice(5)) : v));
}

interface ManifestEntry {
  file: string;
  role: "acceptor" | "dialer";
  src: string;
  dst: string;
  bytes: number;
  units: number;
  items: number;
  values: unknown[];
}

export function capturedStreams(): CapturedStream[] {
  const manifest = parseWithBigints(readFileSync(new URL("manifest.json", dir), "utf8")) as ManifestEntry[];
  return manifest.map((e) => {
    const name = e.file.replace(/^streams\//, "");
    const bytes = new Uint8Array(readFileSync(new URL(name, dir)));
    if (bytes.length !== e.bytes) throw new Error(`${name}: ${bytes.length} bytes, manifest says ${e.bytes}`);
    return { name, role: e.role, src: e.src, dst: e.dst, units: e.units, items: e.items, bytes, values: e.values };
  });
}

export function vectorFile(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, dir)));
}

/** Splits a stream into its units (count-prefixed), for unit-level comparisons. */
export function splitUnits(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = 0;
  while (p < bytes.length) {
    const b = bytes[p]!;
    let n: number;
    let h = 1;
    if (b < 0x80) n = b;
    else {
      const k = 256 - b;
      n = 0;
      for (let i = 0; i < k; i++) n = n * 256 + bytes[p + 1 + i]!;
      h += k;
    }
    out.push(bytes.subarray(p, p + h + n));
    p += h + n;
  }
  return out;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}
