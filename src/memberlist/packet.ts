// The UDP entry point (memberlist net.go ingestPacket/handleCommand): undo label/encryption/CRC/compression
// and compound layers through the codec, then dispatch each message. Malformed input is counted, logged
// once per packet and dropped; parts that decoded cleanly are still handled (as Go handles the intact
// parts of a truncated compound). Nothing here throws.
import type { Core } from "./core.ts";
import { countDrop } from "./core.ts";
import { MessageType } from "./messages.ts";
import type { Message } from "./messages.ts";
import type { Packet } from "../transport/index.ts";
import type { OpenedPacket } from "./wire.ts";
import { openPacket } from "./wire.ts";
import { aliveNode, deadNode, suspectNode } from "./state.ts";
import { handleAck, handleIndirectPing, handleNack, handlePing } from "./probe.ts";
import { parseHostPort } from "../net/index.ts";

/** The host of a "host:port" source ("" when unparsable, which no CIDR contains). */
function hostOf(from: string): string {
  try {
    return parseHostPort(from).host;
  } catch {
    return "";
  }
}

export function ingestPacket(core: Core, p: Packet): void {
  if (core.closed) return;
  core.stats.packetsReceived++;
  core.stats.bytesReceived += p.buf.length;
  let opened: OpenedPacket | Promise<OpenedPacket>;
  try {
    opened = openPacket(p.buf, core.packetOpts);
  } catch (err) {
    dropped(core, p, err);
    return;
  }
  if (opened instanceof Promise) {
    core.hold(opened).then(
      (o) => dispatchAll(core, p, o),
      (err: unknown) => dropped(core, p, err),
    );
  } else dispatchAll(core, p, opened);
}

function dropped(core: Core, p: Packet, err: unknown): void {
  core.stats.packetErrors++;
  countDrop(core.stats.packetDrops, err);
  core.logger.warn({ from: p.from, err: err instanceof Error ? err.message : String(err) }, "dropping malformed packet");
}

function dispatchAll(core: Core, p: Packet, o: OpenedPacket): void {
  if (core.closed) return;
  if (o.errors.length > 0) dropped(core, p, o.errors[0]);
  for (const m of o.messages) {
    try {
      dispatch(core, m, p);
    } catch (err) {
      // A handler choking on a decoded-but-absurd message must not take the node down.
      dropped(core, p, err);
    }
  }
}

function dispatch(core: Core, m: Message, p: Packet): void {
  core.stats.msgsReceived[MessageType[m.type]]!++;
  switch (m.type) {
    case "ping":
      return handlePing(core, m.body, p.from);
    case "indirectPing":
      return handleIndirectPing(core, m.body, p.from);
    case "ackResp":
      return handleAck(core, m.body.SeqNo, m.body.Payload, p.timestamp);
    case "nackResp":
      return handleNack(core, m.body.SeqNo);
    case "alive": {
      const cidrs = core.config.cidrsAllowed;
      if (cidrs && !cidrs.contains(hostOf(p.from))) {
        // Go's handleAlive: an alive from a source outside CIDRsAllowed is dropped.
        core.stats.cidrRejected++;
        core.logger.debug({ from: p.from }, "blocked alive message: source outside the allowed CIDRs");
        return;
      }
      const a = m.body;
      if (a.Port === 0 || core.config.protocolVersion < 2) a.Port = core.advPort;
      return aliveNode(core, a, false);
    }
    case "suspect":
      return suspectNode(core, m.body);
    case "dead":
      return deadNode(core, m.body);
    case "user":
      core.config.delegate?.notifyMsg?.(m.body);
      return;
    case "err":
      core.logger.warn({ from: p.from, type: m.type }, "unexpected message type in packet");
      return;
  }
}
