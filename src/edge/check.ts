// The store's input rules, checked before a batch is split over shards, so a batch with a message the
// store would refuse is refused whole and no shard is written (docs/protocols/store-api.md §2). The rules
// are the store's own (src/state/plan.ts: empty keys, a subnet that is not a prefix, an action that is
// neither add nor remove), with the same codes, messages and batch index; test/edge/check.test.ts holds
// this copy to the store's verdict over generated messages, so the two cannot drift apart unnoticed.
import { ROUTE_ADD, ROUTE_REMOVE, type DecodedMessage } from "../gossip/index.ts";
import { StateRejectError, subnetKey } from "../state/index.ts";

function needKey(key: string, what: string, index: number | undefined): void {
  if (key === "") throw new StateRejectError("empty_key", `${what} is empty`, index === undefined ? undefined : { index });
}

/** Throws the StateRejectError the store would throw for `msg` (labelled with `index` in a batch). */
export function checkMessage(msg: DecodedMessage, index?: number): void {
  switch (msg.type) {
    case 1:
      return needKey(msg.payload.container_id, "EndpointMapping.container_id", index);
    case 2:
      return needKey(msg.payload.container_id, "EndpointTombstone.container_id", index);
    case 3:
      return needKey(msg.payload.key, "NATEntry.key", index);
    case 4: {
      const p = msg.payload;
      needKey(p.vip, "VIPHeartbeat.vip", index);
      for (const n of p.new_nats ?? []) needKey(n.key, "NATEntry.key", index);
      for (const e of p.new_endpoints ?? []) needKey(e.container_id, "EndpointMapping.container_id", index);
      return;
    }
    case 5: {
      const p = msg.payload;
      needKey(p.subnet, "SubnetRoute.subnet", index);
      try {
        subnetKey(p.subnet);
      } catch (e) {
        throw new StateRejectError("bad_subnet", `SubnetRoute.subnet ${JSON.stringify(p.subnet.slice(0, 64))} is not a prefix`, {
          cause: e,
          ...(index === undefined ? {} : { index }),
        });
      }
      if (p.action !== ROUTE_ADD && p.action !== ROUTE_REMOVE) {
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

/** Checks a batch (each message labelled with its index), as StateStore.applyBatch would. */
export function checkMessages(msgs: readonly DecodedMessage[]): void {
  for (let i = 0; i < msgs.length; i++) checkMessage(msgs[i]!, i);
}
