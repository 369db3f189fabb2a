// Turns decoded gossip messages into merge operations on records, validating them first (a plan either
// succeeds for the whole input or throws, so a rejected message or batch changes nothing). Which fields a
// message writes follows the receiver rules in merge.ts (docs/protocols/gravity.md §4).
import { ROUTE_ADD, ROUTE_REMOVE } from "../gossip/index.ts";
import type { DecodedMessage, EndpointMapping, EndpointTombstone, GossipSchema, NATEntry, SubnetRoute, VIPHeartbeat } from "../gossip/index.ts";
import type { RecordKind } from "../platform/index.ts";
import { StateRejectError } from "./errors.ts";
import { carriedFields, type Stamp } from "./merge.ts";
import { subnetKey } from "./routes.ts";

export interface Op {
  kind: RecordKind;
  key: string;
  /** Live stamp and the registers this message is authoritative for. */
  live?: Stamp;
  fields?: [string, unknown][];
  /** Tombstone / remove stamp. */
  tomb?: Stamp;
  /** VIPHeartbeat owners (rule 4). */
  owners?: Record<string, number> | null;
}

/** Tie-break id of a SubnetRoute: machine_id first, then ion_id (\0 sorts before every other char). */
export function routeTieBreak(machineId: string, ionId: string): string {
  return `${machineId}\u0000${ionId}`;
}

function needKey(key: string, what: string, index: number | undefined): void {
  if (key === "") throw new StateRejectError("empty_key", `${what} is empty`, index === undefined ? undefined : { index });
}

function planEndpoint(p: EndpointMapping, ops: Op[], schema: GossipSchema, index: number | undefined): void {
  needKey(p.container_id, "EndpointMapping.container_id", index);
  const status = schema.status("EndpointMapping", p.v);
  ops.push({
    kind: "endpoint",
    key: p.container_id,
    live: [p.timestamp, 1, p.machine_id],
    fields: carriedFields("EndpointMapping", status, p as unknown as Record<string, unknown>, ["container_id", "timestamp"]),
  });
}

function planNat(p: NATEntry, ops: Op[], schema: GossipSchema, index: number | undefined): void {
  needKey(p.key, "NATEntry.key", index);
  const status = schema.status("NATEntry", p.v);
  ops.push({
    kind: "nat",
    key: p.key,
    live: [p.timestamp, 1, ""],
    fields: carriedFields("NATEntry", status, p as unknown as Record<string, unknown>, ["key", "timestamp"]),
  });
}

/**
 * Returns the ops for one message, or throws StateRejectError. `schema` is ours (the V each payload is
 * compared with); `index` labels errors in a batch.
 */
export function planMessage(msg: DecodedMessage, ops: Op[], schema: GossipSchema, index?: number): void {
  switch (msg.type) {
    case 1:
      planEndpoint(msg.payload, ops, schema, index);
      return;
    case 2: {
      const p: EndpointTombstone = msg.payload;
      needKey(p.container_id, "EndpointTombstone.container_id", index);
      // rule 3: a mismatched tombstone only deletes a strictly older record (weak rank loses ties)
      const rank = schema.status("EndpointTombstone", p.v) === "mismatch" ? 0 : 1;
      ops.push({ kind: "endpoint", key: p.container_id, tomb: [p.timestamp, rank, p.machine_id] });
      return;
    }
    case 3:
      planNat(msg.payload, ops, schema, index);
      return;
    case 4: {
      const p: VIPHeartbeat = msg.payload;
      needKey(p.vip, "VIPHeartbeat.vip", index);
      const status = schema.status("VIPHeartbeat", p.v);
      ops.push({
        kind: "vip",
        key: p.vip,
        live: [p.timestamp, 1, ""],
        fields: carriedFields("VIPHeartbeat", status, p as unknown as Record<string, unknown>, [
          "vip",
          "owners",
          "timestamp",
          "new_nats",
          "new_endpoints",
        ]),
        owners: p.owners,
      });
      // rule 4: nested elements merge as their own messages, each with its own V
      for (const n of p.new_nats ?? []) planNat(n, ops, schema, index);
      for (const e of p.new_endpoints ?? []) planEndpoint(e, ops, schema, index);
      return;
    }
    case 5: {
      const p: SubnetRoute = msg.payload;
      needKey(p.subnet, "SubnetRoute.subnet", index);
      let prefix: string;
      try {
        prefix = subnetKey(p.subnet);
      } catch (e) {
        throw new StateRejectError("bad_subnet", `SubnetRoute.subnet ${JSON.stringify(p.subnet.slice(0, 64))} is not a prefix`, {
          cause: e,
          ...(index === undefined ? {} : { index }),
        });
      }
      const status = schema.status("SubnetRoute", p.v);
      const tb = routeTieBreak(p.machine_id, p.ion_id);
      if (p.action === ROUTE_ADD) {
        ops.push({
          kind: "route",
          key: prefix,
          live: [p.timestamp, 1, tb],
          fields: carriedFields("SubnetRoute", status, p as unknown as Record<string, unknown>, ["subnet", "timestamp", "action"]),
        });
      } else if (p.action === ROUTE_REMOVE) {
        ops.push({ kind: "route", key: prefix, tomb: [p.timestamp, status === "mismatch" ? 0 : 1, tb] });
      } else {
        throw new StateRejectError(
          "bad_action",
          `SubnetRoute.action ${JSON.stringify(p.action.slice(0, 32))} is neither "add" nor "remove"`,
          index === undefined ? undefined : { index },
        );
      }
      return;
    }
  }
}
