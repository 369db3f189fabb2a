// Our codec against Go's encoding/json: go-vectors.json is Go's verdict on the inputs of
// test/gossip/go/cases.json (written by make_cases.py), decoded through the upstream struct declarations.
// Regenerate: `cd test/gossip/go && python3 make_cases.py && go run . < cases.json > ../go-vectors.json`.
// Every input Go rejects we reject with a GossipDecodeError; every input Go accepts we accept with the same
// type and V, and re-encoding gives Go's bytes exactly (unknown keys aside: Go drops them, we keep them
// for re-gossip, so the comparison strips `extra`).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decode, encodeToString, GossipDecodeError, referenceSchema, type GossipMessage } from "../../src/gossip/index.ts";

interface Vector {
  name: string;
  in: string;
  ok: boolean;
  error?: string;
  type?: number;
  v: number;
  encoded?: string;
}
const file = JSON.parse(readFileSync(new URL("./go-vectors.json", import.meta.url), "utf8")) as {
  schema_v: Record<string, number>;
  vectors: Vector[];
};

/** Go accepts int64 values beyond ±(2^53-1); we reject them on purpose (documented restriction). */
const INT64_BEYOND_SAFE = new Set(["timestamp past int64"]);

function stripExtra(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(stripExtra);
  if (x === null || typeof x !== "object") return x;
  const o: Record<string, unknown> = Object.create(Object.getPrototypeOf(x) as object | null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(x)) if (k !== "extra") o[k] = stripExtra(v);
  return o;
}

describe("Go reference vectors", () => {
  it("Go computes the same schema V table", () => {
    expect(file.schema_v).toEqual(referenceSchema().v);
  });

  it("covers accepted and rejected inputs", () => {
    expect(file.vectors.filter((v) => v.ok).length).toBeGreaterThan(30);
    expect(file.vectors.filter((v) => !v.ok).length).toBeGreaterThan(30);
  });

  it.each(file.vectors.map((v) => [v.name, v] as const))("%s", (_name, vec) => {
    for (const input of [vec.in, new TextEncoder().encode(vec.in)]) {
      if (!vec.ok || INT64_BEYOND_SAFE.has(vec.name)) {
        let err: unknown;
        try {
          decode(input);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(GossipDecodeError);
        if (INT64_BEYOND_SAFE.has(vec.name)) expect((err as GossipDecodeError).reason).toBe("out_of_range");
        continue;
      }
      const m = decode(input);
      expect(m.type).toBe(vec.type);
      expect(m.payload.v).toBe(vec.v);
      const plain = { type: m.type, payload: stripExtra(m.payload) } as GossipMessage;
      expect(encodeToString(plain)).toBe(vec.encoded);
    }
  });
});
