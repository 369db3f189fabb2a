// Observers of the peer set (docs/protocols/ckit.md §4.6). Notifications are asynchronous through a
// queue of capacity one: only the latest peer set is delivered, a set equal to the last delivered one
// is skipped, and observers run one round at a time in registration order. An observer returning false
// is unregistered (ckit's "reregister" result).
import type { Peer } from "./peer.ts";
import { PeerState, peersEqual, compareNames } from "./peer.ts";

export type Observer = (peers: readonly Peer[]) => boolean | Promise<boolean>;

/** Calls `next` only when the set of participants (by name, address, state) changed. */
export function participantObserver(next: Observer): Observer {
  let last: Peer[] = [];
  return (peers) => {
    const parts = peers.filter((p) => p.state === PeerState.participant).sort((a, b) => compareNames(a.name, b.name));
    if (peersEqual(parts, last)) return true;
    last = parts;
    return next(peers);
  };
}

export interface NotifierHooks {
  /** One round starts (true) or ends (false, with its duration in seconds). */
  updating(on: boolean, seconds?: number): void;
  now(): number;
  onError(err: unknown): void;
}

/** Latest-wins delivery of peer sets to observers. */
export class ObserverQueue {
  readonly #observers: Observer[] = [];
  readonly #hooks: NotifierHooks;
  #pending: readonly Peer[] | null = null;
  #last: readonly Peer[] = [];
  #running = false;
  #stopped = false;
  #idle: (() => void)[] = [];

  constructor(hooks: NotifierHooks) {
    this.#hooks = hooks;
  }

  get count(): number {
    return this.#observers.length;
  }

  add(o: Observer): void {
    this.#observers.push(o);
  }

  /** Queue a peer set (replacing one not yet delivered). */
  enqueue(peers: readonly Peer[]): void {
    if (this.#stopped) return;
    this.#pending = peers;
    if (!this.#running) {
      this.#running = true;
      queueMicrotask(() => void this.#drain());
    }
  }

  /** Resolves when nothing is queued or running (tests, orderly shutdown). */
  idle(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  stop(): void {
    this.#stopped = true;
    this.#pending = null;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending !== null && !this.#stopped) {
        const peers = this.#pending;
        this.#pending = null;
        if (peersEqual(peers, this.#last)) continue;
        this.#last = peers;
        const t0 = this.#hooks.now();
        this.#hooks.updating(true);
        for (const o of [...this.#observers]) {
          let again = true;
          try {
            again = await o(peers);
          } catch (err) {
            this.#hooks.onError(err);
          }
          if (!again) {
            const i = this.#observers.indexOf(o);
            if (i >= 0) this.#observers.splice(i, 1);
          }
        }
        this.#hooks.updating(false, (this.#hooks.now() - t0) / 1000);
      }
    } finally {
      this.#running = false;
      for (const r of this.#idle.splice(0)) r();
    }
  }
}
