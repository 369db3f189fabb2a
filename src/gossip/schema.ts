// Static schema table of the five Gravity gossip structs, in Go declaration order, and the schema hash V
// computed from it once at module load (spec §1.3).
//
// V algorithm: walk the exported fields in declaration order, skip `V`, feed `<FieldName>:<GoType>;`
// for each into ONE SHA-256, take byte 0 of the digest, 0 -> 1 (0 means "legacy, pre-versioning").
// Go's reflect Type.String() package-qualifies nested structs: `[]gossip.NATEntry`. JSON tags play no
// part in V, but they are the wire keys, so the table carries them too. Changing a row here changes V:
// only edit it to follow an upstream struct change.
import { sha256 } from "../hotpath/sha256.ts";
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
   * (spec §1.2); every other field predates it.
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

function computeV(name: StructName): number {
  const b0 = sha256(new TextEncoder().encode(schemaString(name)))[0]!;
  return b0 === 0 ? 1 : b0;
}

/** Our V per struct, computed once at module load (never 0). */
export const LOCAL_V: { readonly [S in StructName]: number } = {
  EndpointMapping: computeV("EndpointMapping"),
  EndpointTombstone: computeV("EndpointTombstone"),
  NATEntry: computeV("NATEntry"),
  VIPHeartbeat: computeV("VIPHeartbeat"),
  SubnetRoute: computeV("SubnetRoute"),
};

export function localV(type: MessageType): number {
  return LOCAL_V[MESSAGE_NAMES[type]];
}

/**
 * How a received V relates to ours:
 * - "current": same schema as ours (spec §1.4 rule 1).
 * - "legacy": V = 0, a pre-versioning peer (rule 2).
 * - "mismatch": another V, a newer or different schema (rule 3).
 */
export type SchemaStatus = "current" | "legacy" | "mismatch";

export function schemaStatus(name: StructName, remoteV: number): SchemaStatus {
  if (remoteV === 0) return "legacy";
  return remoteV === LOCAL_V[name] ? "current" : "mismatch";
}
