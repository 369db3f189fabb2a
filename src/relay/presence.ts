// Peer-state subscriptions as the relay speaks them: subscribe answers at once with the subset that is
// online (here, or located elsewhere through the forwarder), later changes arrive through the notifier
// in batches of at most 244 IDs per message.
//
// Bounds (hardening, docs/security.md): a connection holds at most `perPeer` subscriptions and the core
// at most `total`; IDs past either cap are not subscribed (counted in stats.subscriptionsRefused, one
// rate-limited warn line). Every update is O(IDs in the message): nothing copies a connection's whole
// set. A runtime that must keep subscriptions across hibernation gets each change as a delta through
// hooks.onSubscriptions (subscribe / unsubscribe / fired: one-shot online interest consumed) and stores
// it incrementally (the worker: one SQLite row per subscription); it hands the stored lists back in
// conn.state.subOff / subOn before restore().
import { encodePeerList } from "./codec.ts";
import type { RelayForwarder, RelayHooks } from "./conn.ts";
import { OPEN } from "./core-record.ts";
import type { Rec } from "./core-record.ts";
import { PeerNotifier } from "./notifier.ts";
import { peerIdFromString } from "./peer-id.ts";
import type { PeerIdString } from "./peer-id.ts";
import type { Logger } from "../util/index.ts";

/** Default subscriptions one connection may hold (a NetBird peer subscribes to the peers it relays to). */
export const DEFAULT_MAX_SUBSCRIPTIONS_PER_PEER = 8192;
/** Default subscriptions one relay core may hold in total (~200 B each: ~100 MiB on Node). */
export const DEFAULT_MAX_SUBSCRIPTIONS_TOTAL = 500_000;

export interface PresenceDeps {
  isLocal(id: PeerIdString): boolean;
  forwarder(): RelayForwarder | null;
  send(rec: Rec, bytes: Uint8Array): void;
  hooks: RelayHooks;
  perPeer: number;
  total: number;
  /** Called with the number of IDs a subscribe message had refused by a cap. */
  refused(rec: Rec, n: number): void;
  log: Logger;
}

export class Presence {
  readonly notifier: PeerNotifier<Rec>;
  private readonly d: PresenceDeps;

  constructor(d: PresenceDeps) {
    this.d = d;
    this.notifier = new PeerNotifier<Rec>((l, on, off) => this.emit(l, on, off), d.hooks.onInterest?.bind(d.hooks));
  }

  subscribe(rec: Rec, ids: PeerIdString[]): void {
    const { accepted, refused } = this.notifier.subscribe(rec, ids, this.d.perPeer, this.d.total);
    if (refused > 0) this.d.refused(rec, refused);
    if (accepted.length === 0) return;
    this.d.hooks.onSubscriptions?.(rec.conn, "subscribe", accepted);
    this.notifier.answerOnline(rec, accepted.filter((id) => this.d.isLocal(id)));
    const f = this.d.forwarder();
    if (!f) return;
    for (const id of accepted) {
      if (this.d.isLocal(id)) continue;
      f.locate(id).then(
        (where) => {
          if (where !== null && rec.phase === OPEN && rec.subOff.has(id)) this.notifier.answerOnline(rec, [id]);
        },
        () => {},
      );
    }
  }

  unsubscribe(rec: Rec, ids: PeerIdString[]): void {
    this.notifier.unsubscribe(rec, ids);
    this.d.hooks.onSubscriptions?.(rec.conn, "unsubscribe", ids);
  }

  private emit(rec: Rec, on: PeerIdString[], off: PeerIdString[]): void {
    if (rec.phase !== OPEN) return;
    if (on.length) for (const b of encodePeerList("peersOnline", on.map(peerIdFromString))) this.d.send(rec, b);
    if (off.length) for (const b of encodePeerList("peersOffline", off.map(peerIdFromString))) this.d.send(rec, b);
    if (on.length && this.d.hooks.onSubscriptions) {
      // One-shot online interest that fired (still subscribed offline, no longer online).
      const fired = on.filter((id) => rec.subOff.has(id) && !rec.subOn.has(id));
      if (fired.length) this.d.hooks.onSubscriptions(rec.conn, "fired", fired);
    }
  }
}
