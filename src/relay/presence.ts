// Peer-state subscriptions as the relay speaks them: subscribe answers at once with the subset that is
// online (here, or located elsewhere through the forwarder), later changes arrive through the notifier
// in batches of at most 244 IDs per message, and every change of a connection's subscriptions is
// written to its attachment (subOff / subOn) so it survives hibernation.
import { encodePeerList } from "./codec.ts";
import type { RelayForwarder, RelayHooks } from "./conn.ts";
import { OPEN } from "./core-record.ts";
import type { Rec } from "./core-record.ts";
import { PeerNotifier } from "./notifier.ts";
import { peerIdFromString } from "./peer-id.ts";
import type { PeerIdString } from "./peer-id.ts";

export interface PresenceDeps {
  isLocal(id: PeerIdString): boolean;
  forwarder(): RelayForwarder | null;
  send(rec: Rec, bytes: Uint8Array): void;
  hooks: RelayHooks;
}

export class Presence {
  readonly notifier: PeerNotifier<Rec>;
  private readonly d: PresenceDeps;

  constructor(d: PresenceDeps) {
    this.d = d;
    this.notifier = new PeerNotifier<Rec>((l, on, off) => this.emit(l, on, off), d.hooks.onInterest?.bind(d.hooks));
  }

  subscribe(rec: Rec, ids: PeerIdString[]): void {
    this.notifier.subscribe(rec, ids);
    this.save(rec);
    this.notifier.answerOnline(rec, ids.filter((id) => this.d.isLocal(id)));
    const f = this.d.forwarder();
    if (!f) return;
    for (const id of ids) {
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
    this.save(rec);
  }

  /** Writes the subscriptions into the attachment (only once the connection has had any). */
  save(rec: Rec): void {
    const st = rec.conn.state;
    if (rec.subOff.size === 0 && st.subOff === undefined) return;
    st.subOff = [...rec.subOff];
    st.subOn = [...rec.subOn];
    this.d.hooks.onStateChange?.(rec.conn);
  }

  private emit(rec: Rec, on: PeerIdString[], off: PeerIdString[]): void {
    if (rec.phase !== OPEN) return;
    if (on.length) for (const b of encodePeerList("peersOnline", on.map(peerIdFromString))) this.d.send(rec, b);
    if (off.length) for (const b of encodePeerList("peersOffline", off.map(peerIdFromString))) this.d.send(rec, b);
    if (on.length) this.save(rec); // one-shot online interest was consumed
  }
}
