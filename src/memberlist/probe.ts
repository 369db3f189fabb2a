// Failure detection (memberlist state.go probe/probeNode, net.go handlePing/handleIndirectPing):
//  1. direct ping (to a non-alive target: compound ping + suspect, so it can refute: Lifeguard's "buddy");
//  2. after ProbeTimeout with no ack: IndirectChecks alive peers relay a ping (asking for nacks from
//     peers with PMax ≥ 4), and a TCP ping runs in parallel to targets with PMax ≥ 3;
//  3. at the end of the (awareness-scaled) probe interval: any ack = alive; TCP-only = alive with a
//     warning; otherwise suspect the target with the incarnation seen at probe start.
// Awareness: -1 on success; on failure +(expected nacks - nacks received), or +1 when none expected.
// Acks are matched by SeqNo only; handlers expire with the probe interval (indirect relays: ProbeTimeout).
import type { Core, NodeState } from "./core.ts";
import type { TimerHandle } from "../util/index.ts";
import type { IndirectPingReq, Ping } from "./messages.ts";
import { NodeStateType } from "./messages.ts";
import { formatHostPort, formatWireIp } from "../net/index.ts";
import { encodeMessage, encodeCompound } from "./wire.ts";
import { rawSend, sendMsg } from "./gossip.ts";
import { resetNodes, suspectNode } from "./state.ts";
import { tcpPing } from "./stream.ts";
import { countSent } from "./core.ts";

/** Pick the next probe target round-robin (skipping self, dead, left) and probe it; `done` when finished. */
export function probe(core: Core, done: () => void): void {
  let numCheck = 0;
  for (;;) {
    if (numCheck >= core.nodes.length) return done();
    if (core.probeIndex >= core.nodes.length) {
      resetNodes(core);
      core.probeIndex = 0;
      numCheck++;
      continue;
    }
    const node = core.nodes[core.probeIndex++]!;
    if (!probeable(core, node)) {
      numCheck++;
      continue;
    }
    warmNext(core);
    return probeNode(core, node, done);
  }
}

function probeable(core: Core, node: NodeState): boolean {
  return node.name !== core.name && node.state !== NodeStateType.dead && node.state !== NodeStateType.left;
}

/**
 * Lets the transport set up what the next probe target needs (an HTTP/2 session) one probe interval
 * ahead, so that probe does not pay for it; one target per probe keeps the set-up paced.
 */
function warmNext(core: Core): void {
  const warm = core.transport.warm;
  if (!warm) return;
  for (let i = core.probeIndex; i < core.nodes.length; i++) {
    const next = core.nodes[i]!;
    if (probeable(core, next)) return warm.call(core.transport, next.address);
  }
}

function probeNode(core: Core, node: NodeState, done: () => void): void {
  const cfg = core.config;
  const interval = core.awareness.scaleTimeout(cfg.probeInterval);
  const seq = core.nextSeqNo();
  const inc = node.incarnation;
  const wasAlive = node.state === NodeStateType.alive;
  const ping: Ping = { SeqNo: seq, Node: node.name, SourceAddr: core.advAddr, SourcePort: core.advPort, SourceNode: core.name };
  const sent = core.clock.now();
  const deadline = sent + interval;
  let finished = false;
  let nacks = 0;
  let expectedNacks = 0;
  let tcp: Promise<boolean> | null = null;
  let timeoutTimer: TimerHandle | null = null;

  const succeed = (): void => {
    finished = true;
    if (timeoutTimer) core.cancel(timeoutTimer);
    core.awareness.applyDelta(-1);
    done();
  };
  const fail = (): void => {
    finished = true;
    let delta = 0;
    if (expectedNacks > 0) {
      if (nacks < expectedNacks) delta += expectedNacks - nacks;
    } else delta += 1;
    core.awareness.applyDelta(delta);
    if (core.closed) return;
    core.logger.info({ member: node.name }, "suspect node has failed, no acks received");
    suspectNode(core, { Incarnation: inc, Node: node.name, From: core.name });
    done();
  };

  core.ackHandlers.set(seq, {
    ack: (payload, at) => {
      if (finished) return;
      core.config.ping?.notifyPingComplete?.(core.memberInfo(node), at - sent, payload);
      succeed();
    },
    nack: () => {
      nacks++;
    },
    timer: core.after(interval, () => {
      core.ackHandlers.delete(seq);
      if (finished) return;
      if (!tcp) return fail();
      tcp.then(
        (ok) => {
          if (finished) return;
          if (ok) {
            core.logger.warn({ member: node.name }, "was able to connect over TCP but UDP probes failed, network may be misconfigured");
            succeed();
          } else fail();
        },
        () => {
          if (!finished) fail();
        },
      );
    }),
  });

  const pingMsg = encodeMessage({ type: "ping", body: ping });
  if (wasAlive || !cfg.lifeguard) {
    sendMsg(core, node.address, pingMsg);
  } else {
    const sus = encodeMessage({ type: "suspect", body: { Incarnation: inc, Node: node.name, From: core.name } });
    countSent(core.stats, pingMsg);
    countSent(core.stats, sus);
    for (const c of encodeCompound([pingMsg, sus])) rawSend(core, node.address, c, node);
  }

  timeoutTimer = core.after(cfg.probeTimeout, () => {
    if (finished) return;
    const peers = core.kRandomNodes(
      cfg.indirectChecks,
      (n) => n.name === core.name || n.name === node.name || n.state !== NodeStateType.alive,
    );
    for (const peer of peers) {
      const nack = cfg.lifeguard && peer.vsn[1]! >= 4;
      if (nack) expectedNacks++;
      const ind: IndirectPingReq = {
        SeqNo: seq,
        Target: node.addr,
        Port: node.port,
        Node: node.name,
        Nack: nack,
        SourceAddr: core.advAddr,
        SourcePort: core.advPort,
        SourceNode: core.name,
      };
      sendMsg(core, peer.address, encodeMessage({ type: "indirectPing", body: ind }));
    }
    if (!cfg.disableTcpPings && node.vsn[1]! >= 3) {
      tcp = tcpPing(core, node.address, ping, deadline).catch(() => false);
    }
  });
}

/** Answer a ping addressed to us (to its Source fields if present, else the packet source). */
export function handlePing(core: Core, p: Ping, from: string): void {
  if (p.Node !== "" && p.Node !== core.name) {
    core.logger.warn({ member: p.Node, from }, "got ping for unexpected node");
    return;
  }
  const payload = core.config.ping?.ackPayload?.() ?? null;
  const to = p.SourceAddr && p.SourceAddr.length > 0 && p.SourcePort ? formatHostPort(formatWireIp(p.SourceAddr) ?? "", p.SourcePort) : from;
  sendMsg(core, to, encodeMessage({ type: "ackResp", body: { SeqNo: p.SeqNo, Payload: payload } }));
}

/** Relay a ping for a peer; ack back on success, nack after ProbeTimeout if asked. */
export function handleIndirectPing(core: Core, ind: IndirectPingReq, from: string): void {
  const port = ind.Port === 0 || core.config.protocolVersion < 2 ? core.advPort : ind.Port;
  const localSeq = core.nextSeqNo();
  const ping: Ping = { SeqNo: localSeq, Node: ind.Node, SourceAddr: core.advAddr, SourcePort: core.advPort, SourceNode: core.name };
  const back =
    ind.SourceAddr && ind.SourceAddr.length > 0 && ind.SourcePort ? formatHostPort(formatWireIp(ind.SourceAddr) ?? "", ind.SourcePort) : from;
  let nackTimer: TimerHandle | null = null;
  core.ackHandlers.set(localSeq, {
    ack: () => {
      if (nackTimer) core.cancel(nackTimer);
      sendMsg(core, back, encodeMessage({ type: "ackResp", body: { SeqNo: ind.SeqNo, Payload: null } }));
    },
    nack: () => {},
    timer: core.after(core.config.probeTimeout, () => core.ackHandlers.delete(localSeq)),
  });
  sendMsg(core, formatHostPort(formatWireIp(ind.Target) ?? "", port), encodeMessage({ type: "ping", body: ping }));
  if (ind.Nack) {
    nackTimer = core.after(core.config.probeTimeout, () => {
      sendMsg(core, back, encodeMessage({ type: "nackResp", body: { SeqNo: ind.SeqNo } }));
    });
  }
}

export function handleAck(core: Core, seq: number, payload: Uint8Array | null, at: number): void {
  const h = core.ackHandlers.get(seq);
  if (!h) return;
  core.ackHandlers.delete(seq);
  core.cancel(h.timer);
  h.ack(payload, at);
}

export function handleNack(core: Core, seq: number): void {
  core.ackHandlers.get(seq)?.nack();
}
