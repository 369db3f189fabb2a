// Test doubles for the relay core: a manual clock and a recording RelayConn. (In addition to the real
// ws sockets of test/node/relay.test.ts; these make timers and batching deterministic.)
import type { Clock, TimerHandle } from "../../src/util/clock.ts";
import { newConnState } from "../../src/relay/conn.ts";
import type { RelayConn, RelayConnState } from "../../src/relay/conn.ts";

export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return { id };
  }
  clearTimeout(h: TimerHandle): void {
    this.timers.delete((h as { id: number }).id);
  }
  /** Advances time, firing due timers in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
  get pending(): number {
    return this.timers.size;
  }
}

export class FakeConn implements RelayConn {
  state: RelayConnState = newConnState();
  readonly sent: Uint8Array[] = [];
  closed: { code: number | undefined; reason: string | undefined } | undefined;
  bufferedAmount = 0;
  send(bytes: Uint8Array): void {
    if (this.closed) throw new Error("send on closed conn");
    this.sent.push(bytes.slice());
  }
  close(code?: number, reason?: string): void {
    this.closed ??= { code, reason };
  }
  /** Messages of one type (byte 1) sent to this conn. */
  ofType(type: number): Uint8Array[] {
    return this.sent.filter((b) => b[1] === type);
  }
}
