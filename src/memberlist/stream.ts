// Stream (TCP) exchanges (docs/protocols/memberlist.md §9): push/pull anti-entropy and join, the TCP fallback
// ping, reliable user messages, and the accepting side of all three. One request per connection, at most
// one reply, then both sides close. Replies never carry a label header. A request we cannot read gets an
// errResp (except a label mismatch or a dropped connection: those are closed silently, as Go does).
import type { Core } from "./core.ts";
import { NodeState, countDrop, countSent, makeIdentity } from "./core.ts";
import { MessageType, isKnownNodeState } from "./messages.ts";
import type { Ping, PushNodeState, PushPull } from "./messages.ts";
import type { StreamConn } from "../transport/index.ts";
import { MemberlistError, MemberlistErrorCode } from "./errors.ts";
import { MembershipError } from "./membership-errors.ts";
import { EMPTY } from "../util/index.ts";
import { mergeState, verifyProtocol } from "./state.ts";
import {
  encodeMessage,
  encodePushPull,
  encodeStreamUser,
  readStreamMessage,
  writeStreamReply,
  writeStreamRequest,
} from "./wire.ts";

/** memberlist maxPushPullRequests: concurrent inbound push/pulls beyond this are refused. */
const MAX_PUSH_PULL_REQUESTS = 128;

type Dial = (to: string, timeoutMs: number) => Promise<StreamConn>;
type Wrap = (c: StreamConn) => StreamConn;

/** Count a decoded stream message by its type (the received-messages counters cover streams too). */
function countReceived(core: Core, type: keyof typeof MessageType): void {
  core.stats.msgsReceived[MessageType[type]]!++;
}

/** Encode-once helper: count the message, return it for writing. */
function counted(core: Core, msg: Uint8Array): Uint8Array {
  countSent(core.stats, msg);
  return msg;
}

async function dial(core: Core, d: Dial, wrap: Wrap, addr: string, timeoutMs: number): Promise<StreamConn> {
  core.stats.streamsOpened++;
  const conn = wrap(await d(addr, timeoutMs));
  conn.setDeadline(core.clock.now() + timeoutMs);
  return conn;
}

/** TCP fallback ping: true when the target answered with an ack for our SeqNo before the deadline. */
export function tcpPing(core: Core, addr: string, ping: Ping, deadline: number): Promise<boolean> {
  return core.exchange((d, w) => tcpPingOn(core, d, w, addr, ping, deadline));
}

async function tcpPingOn(core: Core, d: Dial, w: Wrap, addr: string, ping: Ping, deadline: number): Promise<boolean> {
  const conn = await dial(core, d, w, addr, Math.max(1, deadline - core.clock.now()));
  try {
    conn.setDeadline(deadline);
    await writeStreamRequest(conn, counted(core, encodeMessage({ type: "ping", body: ping })), core.packetOpts);
    const reply = await readStreamMessage(conn, { ...core.packetOpts, role: "dial", gate: core.inflateGate });
    countReceived(core, reply.type);
    if (reply.type !== "ackResp") {
      core.logger.warn({ addr, type: reply.type }, "unexpected reply to TCP ping");
      return false;
    }
    return reply.body.SeqNo === ping.SeqNo;
  } finally {
    conn.close();
  }
}

/** Everything we know (every state) plus the delegate's user state. */
export function localState(core: Core, join: boolean): PushPull {
  const states: PushNodeState[] = core.nodes.map((n) => ({
    Name: n.name,
    Addr: n.addr,
    Port: n.port,
    Meta: n.meta,
    Incarnation: n.incarnation,
    State: n.state,
    Vsn: n.vsn,
  }));
  const userState = core.config.delegate?.localState?.(join) ?? EMPTY;
  return { header: { Nodes: states.length, UserStateLen: userState.length, Join: join }, states, userState };
}

/**
 * Merge a peer's push/pull: verify versions, let the merge delegate veto a join, apply, hand user state.
 * `inbound` (a push/pull the peer opened) caps the unknown members it may add (maxPushPullNewMembers).
 */
export function mergeRemote(core: Core, pp: PushPull, join: boolean, inbound = false): void {
  const err = verifyProtocol(core, pp.states);
  if (err) throw new MembershipError("incompatible_version", err);
  if (join && core.config.merge) {
    // Go hands the delegate every entry; ours has no way to show a state outside 0..3, so those are left
    // out (the merge below skips them anyway).
    const peers = pp.states.flatMap((s) =>
      isKnownNodeState(s.State)
        ? [core.memberInfo(new NodeState(makeIdentity(s.Name, s.Addr, s.Port, s.Meta ?? EMPTY, s.Vsn), s.Incarnation, s.State, 0))]
        : [],
    );
    const veto = core.config.merge.notifyMerge(peers);
    if (veto !== null) throw new MembershipError("merge_rejected", veto);
  }
  const capped = inbound ? core.config.maxPushPullNewMembers : Infinity;
  const before = core.stats.pushPullNewCapped;
  mergeState(core, pp.states, capped);
  const skipped = core.stats.pushPullNewCapped - before;
  if (skipped > 0) core.logger.warn({ nodes: pp.header.Nodes, skipped, cap: capped }, "push/pull carried more new members than allowed; the rest ignored");
  if (pp.userState.length > 0) core.config.delegate?.mergeRemoteState?.(pp.userState, join);
}

/** One push/pull with `addr` (join or periodic anti-entropy). Throws MembershipError on failure. */
export function pushPullNode(core: Core, addr: string, join: boolean): Promise<void> {
  return core.exchange((d, w) => pushPullOn(core, d, w, addr, join)).then(
    () => {
      core.stats.pushPullOut++;
    },
    (err: unknown) => {
      core.stats.pushPullOutFailed++;
      throw err;
    },
  );
}

async function pushPullOn(core: Core, d: Dial, w: Wrap, addr: string, join: boolean): Promise<void> {
  const conn = await dial(core, d, w, addr, core.config.tcpTimeout);
  let reply;
  try {
    await writeStreamRequest(conn, counted(core, encodePushPull(localState(core, join))), core.packetOpts);
    reply = await readStreamMessage(conn, { ...core.packetOpts, role: "dial", gate: core.inflateGate });
  } finally {
    conn.close();
  }
  countReceived(core, reply.type);
  if (reply.type === "err") throw new MembershipError("remote_error", `remote error: ${reply.body.Error}`);
  if (reply.type !== "pushPull") throw new MembershipError("bad_reply", `unexpected reply type ${reply.type} to push/pull`);
  mergeRemote(core, reply.body, join);
}

/** Reliable user message over a stream (no reply). */
export function sendUserStream(core: Core, addr: string, payload: Uint8Array): Promise<void> {
  return core.exchange(async (d, w) => {
    const conn = await dial(core, d, w, addr, core.config.tcpTimeout);
    try {
      await writeStreamRequest(conn, counted(core, encodeStreamUser(payload)), core.packetOpts);
    } finally {
      conn.close();
    }
  });
}

/**
 * For a push/pull a peer opened: keep the states of members we know and of the first
 * maxPushPullNewMembers names we do not; the rest are dropped as they are decoded (counted), so an
 * injected push/pull of 131,072 members never holds them (memory) nor walks them again (time).
 */
function newMemberFilter(core: Core): (name: string) => boolean {
  let fresh = 0;
  const seen = new Set<string>();
  return (name) => {
    if (core.nodeMap.has(name) || seen.has(name)) return true;
    if (fresh >= core.config.maxPushPullNewMembers) {
      core.stats.pushPullNewCapped++;
      return false;
    }
    fresh++;
    seen.add(name);
    return true;
  };
}

/** Accepting side: read one request, answer it, close. Never throws. */
export function handleStream(core: Core, raw: StreamConn): Promise<void> {
  return core.exchange((_d, w) => serve(core, w(raw)));
}

async function serve(core: Core, conn: StreamConn): Promise<void> {
  try {
    conn.setDeadline(core.clock.now() + core.config.tcpTimeout);
    let msg;
    try {
      msg = await readStreamMessage(conn, { ...core.packetOpts, role: "accept", gate: core.inflateGate, keepState: newMemberFilter(core) });
    } catch (err) {
      core.stats.streamErrors++;
      countDrop(core.stats.streamDrops, err);
      const code = err instanceof MemberlistError ? err.code : undefined;
      core.logger.warn({ err: String(err), code, from: conn.remote }, "failed to read stream request");
      if (code !== MemberlistErrorCode.label && code !== MemberlistErrorCode.io && code !== MemberlistErrorCode.truncated) {
        const text = err instanceof Error ? err.message : String(err);
        await writeStreamReply(conn, counted(core, encodeMessage({ type: "err", body: { Error: text } })), core.packetOpts).catch(() => {});
      }
      return;
    }
    countReceived(core, msg.type);
    switch (msg.type) {
      case "ping":
        if (msg.body.Node !== "" && msg.body.Node !== core.name) {
          core.logger.warn({ member: msg.body.Node, from: conn.remote }, "got TCP ping for unexpected node");
          return;
        }
        await writeStreamReply(conn, counted(core, encodeMessage({ type: "ackResp", body: { SeqNo: msg.body.SeqNo, Payload: null } })), core.packetOpts);
        return;
      case "user":
        core.config.delegate?.notifyMsg?.(msg.body);
        return;
      case "pushPull": {
        if (core.pushPullActive >= MAX_PUSH_PULL_REQUESTS) {
          core.stats.pushPullInFailed++;
          core.logger.error({ from: conn.remote }, "too many pending push/pull requests");
          return;
        }
        core.pushPullActive++;
        try {
          const join = msg.body.header.Join;
          await writeStreamReply(conn, counted(core, encodePushPull(localState(core, join))), core.packetOpts);
          mergeRemote(core, msg.body, join, true);
          core.stats.pushPullIn++;
        } catch (err) {
          core.stats.pushPullInFailed++;
          core.logger.error({ err: String(err), from: conn.remote }, "failed push/pull merge");
        } finally {
          core.pushPullActive--;
        }
        return;
      }
      default:
        core.logger.error({ type: msg.type, from: conn.remote }, "received invalid stream message type");
        return;
    }
  } catch (err) {
    core.stats.streamErrors++;
    core.logger.warn({ err: String(err), from: conn.remote }, "stream exchange failed");
  } finally {
    conn.close();
  }
}
