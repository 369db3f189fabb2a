// Static schema table of the five Gravity gossip structs, in Go declaration order, and the schema hash V
// computed from it (docs/protocols/gravity.md §3).
//
// V algorithm: walk the exported fields in declaration order, skip `V`, feed `<FieldName>:<GoType>;`
// for each into ONE SHA-256, take byte 0 of the digest, 0 -> 1 (0 means "legacy, pre-versioning").
// Go's reflect Type.String() package-qualifies nested structs: `[]gossip.NATEntry`. JSON tags play no
// part in V, but they are the wire keys, so the table carries them too. Changing a row here changes V:
// only edit it to follow an upstream struct change.
//
// The hash itself is a hot-path routine (Hotpath.structHash): a runtime computes V once at start-up with
// its platform's "schema-hash" routine (createGossipSchema); pure functions default to the TS twin
// (referenceSchema), which computes the same numbers (185, 123, 56, 38, 231).
import { structHash, type Hotpath, type StructField } from "../hotpath/index.ts";
import { MESSAGE_NAMES, type MessageType, type StructName } from "./wire.ts";

/** How a field is represented in JSON and checked on decode. */
export type FieldKind = "string" | "int64" | "uint16" | "strings" | "owners" | "nats" | "endpoints";

export interface FieldSpec {
  /** Go field name (hashed into V). */
  readonly goName: string;
  /** Go reflect type string (hashed into V). */
  readonly goType: string;
  /** JSON key on the wire (the struct tag). */
  readonly key: string;
  readonly kind: FieldKind;
  /** `omitempty` in the struct tag: the key is left out when the value is empty. */
  readonly omitempty: boolean;
  /**
   * True for fields a legacy (V = 0, pre-versioning) sender knew. Versioning added V and `sni_hostname`
   * (docs/protocols/gravity.md §2); every other field predates it.
   */
  readonly legacy: boolean;
}

const f = (goName: string, goType: string, key: string, kind: FieldKind, omitempty = false, legacy = true): FieldSpec => ({
  goName,
  goType,
  key,
  kind,
  omitempty,
  legacy,
});

/** The `v` field itself: `V uint8 \`json:"v,omitempty"\``, first in every struct, never hashed. */
export const V_KEY = "v";

export const SCHEMAS: { readonly [S in StructName]: readonly FieldSpec[] } = {
  EndpointMapping: [
    f("GravityVIP", "string", "gravity_vip", "string"),
    f("HadronVIP", "string", "hadron_vip", "string"),
    f("ContainerID", "string", "container_id", "string"),
    f("MachineID", "string", "machine_id", "string"),
    f("ProjectID", "string", "project_id", "string"),
    f("DNSNames", "[]string", "dns_names", "strings"),
    f("Timestamp", "int64", "timestamp", "int64"),
    f("SNIHostname", "string", "sni_hostname", "string", true, false),
  ],
  EndpointTombstone: [
    f("ContainerID", "string", "container_id", "string"),
    f("MachineID", "string", "machine_id", "string"),
    f("Timestamp", "int64", "timestamp", "int64"),
  ],
  NATEntry: [
    f("Key", "string", "key", "string"),
    f("OriginalDst", "string", "original_dst", "string"),
    f("OriginalSrc", "string", "original_src", "string"),
    f("SrcPort", "uint16", "src_port", "uint16"),
    f("DstPort", "uint16", "dst_port", "uint16"),
    f("Timestamp", "int64", "timestamp", "int64"),
  ],
  VIPHeartbeat: [
    f("VIP", "string", "vip", "string"),
    f("Owners", "map[string]int64", "owners", "owners"),
    f("Timestamp", "int64", "timestamp", "int64"),
    f("NewNATs", "[]gossip.NATEntry", "new_nats", "nats", true),
    f("NewEndpoints", "[]gossip.EndpointMapping", "new_endpoints", "endpoints", true),
  ],
  SubnetRoute: [
    f("Subnet", "string", "subnet", "string"),
    f("MachineID", "string", "machine_id", "string"),
    f("IonID", "string", "ion_id", "string"),
    f("Timestamp", "int64", "timestamp", "int64"),
    f("Action", "string", "action", "string"),
  ],
};

/** The exact text hashed for a struct's V. */
export function schemaString(name: StructName): string {
  let s = "";
  for (const fs of SCHEMAS[name]) s += `${fs.goName}:${fs.goType};`;
  return s;
}

/** The [Name, GoType] rows a struct hash routine takes for a struct's V. */
export function schemaFields(name: StructName): StructField[] {
  return SCHEMAS[name].map((fs) => [fs.goName, fs.goType] as const);
}

/**
 * How a received V relates to ours:
 * - "current": same schema as ours (docs/protocols/gravity.md §4.1).
 * - "legacy": V = 0, a pre-versioning peer (rule 2).
 * - "mismatch": another V, a newer or different schema (rule 3).
 */
export type SchemaStatus = "current" | "legacy" | "mismatch";

/** Our schema versions, computed once: what the encoder stamps and the decoder and merge rules compare. */
export interface GossipSchema {
  /** Our V per struct (never 0). */
  readonly v: { readonly [S in StructName]: number };
  localV(type: MessageType): number;
  status(name: StructName, remoteV: number): SchemaStatus;
}

const NAMES: readonly StructName[] = ["EndpointMapping", "EndpointTombstone", "NATEntry", "VIPHeartbeat", "SubnetRoute"];

/** The schema with V computed by `hash` (a Hotpath.structHash: byte 0 of SHA-256, 0 -> 1). */
export function gossipSchema(hash: (fields: readonly StructField[]) => number): GossipSchema {
  const v = {} as { [S in StructName]: number };
  for (const n of NAMES) v[n] = hash(schemaFields(n));
  Object.freeze(v);
  return {
    v,
    localV: (type) => v[MESSAGE_NAMES[type]],
    status: (name, remoteV) => (remoteV === 0 ? "legacy" : remoteV === v[name] ? "current" : "mismatch"),
  };
}

const byHotpath = new WeakMap<Hotpath, GossipSchema>();

/** The schema computed with a platform's "schema-hash" routine, once per routine instance. */
export function createGossipSchema(platform: { hotpath: { for(use: "schema-hash"): Hotpath } }): GossipSchema {
  const hp = platform.hotpath.for("schema-hash");
  let s = byHotpath.get(hp);
  if (!s) byHotpath.set(hp, (s = gossipSchema((f) => hp.structHash(f))));
  return s;
}

let reference: GossipSchema | undefined;

/** The schema computed by the pure-TS struct hash: the default of the pure functions (decode, encode). */
export function referenceSchema(): GossipSchema {
  return (reference ??= gossipSchema(structHash));
}
