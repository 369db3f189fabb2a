// What both decoders (decode.ts: the general one; decode-fast.ts: the fast path for compact, escape-free
// text) build: zero structs in Go's key order and the DecodedMessage around a decoded payload, so the two
// produce identical values (same keys, same order, same schema check).
import { SCHEMAS, type GossipSchema } from "./schema.ts";
import type { DecodedMessage, SchemaMismatch } from "./types.ts";
import { MESSAGE_NAMES, type MessageType, type StructName } from "./wire.ts";

export const TYPE_OF: { [S in StructName]: MessageType } = {
  EndpointMapping: 1,
  EndpointTombstone: 2,
  NATEntry: 3,
  VIPHeartbeat: 4,
  SubnetRoute: 5,
};

const ZERO = {} as Record<StructName, Record<string, unknown>>;
for (const name of Object.keys(SCHEMAS) as StructName[]) {
  const o: Record<string, unknown> = { v: 0 };
  for (const fs of SCHEMAS[name]) o[fs.key] = fs.kind === "string" ? "" : fs.kind === "int64" || fs.kind === "uint16" ? 0 : null;
  ZERO[name] = o;
}

/** A zero struct: `v` first, then every field in Go declaration order, each at its Go zero value. */
export function zeroStruct(name: StructName): Record<string, unknown> {
  return { ...ZERO[name] };
}

function check(schema: GossipSchema, out: SchemaMismatch[], n: StructName, v: number, path: string): void {
  const status = schema.status(n, v);
  if (status !== "current") out.push({ type: TYPE_OF[n], remoteV: v, localV: schema.v[n], status, path });
}

/** The mismatches of a message whose V (and every nested element's) is ours: one shared, frozen list. */
const NONE = Object.freeze([]) as unknown as SchemaMismatch[];

/** Schema check (against ours) of the payload's own V and of each nested heartbeat element (docs/protocols/gravity.md §4.4). */
export function collectMismatches(schema: GossipSchema, name: StructName, p: Record<string, unknown>): SchemaMismatch[] {
  if (name !== "VIPHeartbeat" && p.v === schema.v[name]) return NONE;
  const out: SchemaMismatch[] = [];
  check(schema, out, name, p.v as number, "payload");
  if (name === "VIPHeartbeat") {
    const nats = p.new_nats as Record<string, unknown>[] | null;
    if (nats !== null) for (let k = 0; k < nats.length; k++) check(schema, out, "NATEntry", nats[k]!.v as number, `payload.new_nats[${k}]`);
    const eps = p.new_endpoints as Record<string, unknown>[] | null;
    if (eps !== null) for (let k = 0; k < eps.length; k++) check(schema, out, "EndpointMapping", eps[k]!.v as number, `payload.new_endpoints[${k}]`);
  }
  return out.length === 0 ? NONE : out;
}

/** The decoded message of type `type` around its decoded payload and the payload's raw text. */
export function decodedMessage(schema: GossipSchema, type: MessageType, payload: Record<string, unknown>, raw: string): DecodedMessage {
  const name = MESSAGE_NAMES[type];
  return {
    type,
    payload,
    raw,
    schema: schema.status(name, payload.v as number),
    mismatches: collectMismatches(schema, name, payload),
  } as unknown as DecodedMessage;
}
