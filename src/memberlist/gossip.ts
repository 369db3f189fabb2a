// Sending UDP packets and gossip (memberlist net.go sendMsg/rawSendMsgPacket, state.go gossip):
//  - every packet may piggy-back queued broadcasts in the room left under UDPBufferSize, after the label,
//    encryption and compound overheads; the main message goes first in the compound;
//  - memberlist's own broadcasts come before user broadcasts, which get the 0x08 type byte (1 extra byte);
//  - a CRC is added when the destination node is known and speaks protocol ≥ 5 (Go does the same);
//  - each gossip round picks GossipNodes peers that are alive, suspect, or dead for less than
//    GossipToTheDeadTime, and hands each its own pull from the queues.
import type { Core, NodeState } from "./core.ts";
import { countSent } from "./core.ts";
import { NodeStateType } from "./messages.ts";
import {
  COMPOUND_HEADER_OVERHEAD,
  COMPOUND_OVERHEAD,
  USER_MSG_OVERHEAD,
  encodeCompound,
  sealPacket,
} from "./wire.ts";

/** Pending broadcasts that fit in `limit` bytes at `overhead` bytes each: ours first, then user ones. */
export function getBroadcasts(core: Core, overhead: number, limit: number): Uint8Array[] {
  const out = core.broadcasts.getBroadcasts(overhead, limit);
  let used = 0;
  for (const m of out) used += overhead + m.length;
  const userOverhead = overhead + USER_MSG_OVERHEAD;
  if (core.userBroadcasts.numQueued() > 0 && limit - used > userOverhead) {
    used = pushUser(out, used, overhead, core.userBroadcasts.getBroadcasts(userOverhead, limit - used));
  }
  const d = core.config.delegate;
  if (d?.getBroadcasts && limit - used > userOverhead) {
    pushUser(out, used, overhead, d.getBroadcasts(userOverhead, limit - used));
  }
  return out;
}

/** Appends user payloads as 08-prefixed messages; returns the bytes used so far. */
function pushUser(out: Uint8Array[], used: number, overhead: number, payloads: Uint8Array[]): number {
  for (const payload of payloads) {
    const b = new Uint8Array(payload.length + 1);
    b[0] = 8;
    b.set(payload, 1);
    out.push(b);
    used += overhead + b.length;
  }
  return used;
}

/** Send one encoded message, piggy-backing whatever gossip fits (memberlist sendMsg). */
export function sendMsg(core: Core, to: string, msg: Uint8Array, node?: NodeState): void {
  const avail = core.packetBudget - msg.length - COMPOUND_HEADER_OVERHEAD;
  const extra = avail > COMPOUND_OVERHEAD ? getBroadcasts(core, COMPOUND_OVERHEAD, avail) : [];
  countSent(core.stats, msg);
  if (extra.length === 0) {
    rawSend(core, to, msg, node);
    return;
  }
  for (const m of extra) countSent(core.stats, m);
  extra.unshift(msg);
  for (const c of encodeCompound(extra)) rawSend(core, to, c, node);
}

/** Seal (compress/CRC/encrypt/label per config) and hand the datagram to the transport. */
export function rawSend(core: Core, to: string, buf: Uint8Array, node?: NodeState): void {
  if (core.closed) return;
  const crc = node !== undefined && node.vsn[1]! >= 5;
  const sealed = sealPacket(buf, crc ? core.packetOptsCrc : core.packetOpts);
  if (sealed instanceof Promise) {
    core.hold(sealed).then(
      (b) => transmit(core, to, b),
      (err: unknown) => core.logger.error({ err, to }, "failed to seal packet"),
    );
  } else transmit(core, to, sealed);
}

function transmit(core: Core, to: string, b: Uint8Array): void {
  if (core.closed) return;
  core.stats.packetsSent++;
  core.stats.bytesSent += b.length;
  core.transport.sendPacket(to, b);
}

/** One gossip round (memberlist gossip()). */
export function gossip(core: Core): void {
  // Nothing to say: skip picking peers (Go picks them first and then finds nothing to send; same traffic).
  if (core.broadcasts.numQueued() === 0 && core.userBroadcasts.numQueued() === 0 && !core.config.delegate?.getBroadcasts) return;
  const now = core.clock.now();
  const deadTime = core.config.gossipToTheDeadTime;
  const peers = core.kRandomNodes(core.config.gossipNodes, (n) => {
    if (n.name === core.name) return true;
    switch (n.state) {
      case NodeStateType.alive:
      case NodeStateType.suspect:
        return false;
      case NodeStateType.dead:
        return now - n.stateChange > deadTime;
      default:
        return true;
    }
  });
  const avail = core.packetBudget - COMPOUND_HEADER_OVERHEAD;
  for (const peer of peers) {
    const msgs = getBroadcasts(core, COMPOUND_OVERHEAD, avail);
    if (msgs.length === 0) return;
    for (const m of msgs) countSent(core.stats, m);
    if (msgs.length === 1) rawSend(core, peer.address, msgs[0]!, peer);
    else for (const c of encodeCompound(msgs)) rawSend(core, peer.address, c, peer);
  }
}
