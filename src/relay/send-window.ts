// Backpressure for sockets that report no send buffer: an ack-clocked window of bytes in flight.
//
// Why: workerd's WebSockets (hibernatable or not) expose no `bufferedAmount` and send() never throws
// while the peer is slow (measured: 32 MiB queued on one server socket, no error, no property; see
// docs/security.md), so without accounting of our own a fast sender could queue without bound into a
// slow receiver's socket, inside one Durable Object's 128 MB.
//
// How: the relay's health check is a 2-byte ping [1,5] that every NetBird client echoes, and WebSocket
// messages arrive in order, so an echo proves the client read everything we sent before the ping it
// answers. We count bytes sent; each ping we send (the alarm's, or a probe of our own) records the
// count at that point; each echo acknowledges the oldest outstanding ping. In flight = sent - acked.
// When in flight passes half the window and no probe is outstanding, the caller sends a probe ping.
// RelayCore drops transport messages to a socket whose in flight (its `bufferedAmount`) is past the
// window (counted as "backpressure"); control messages always go.
// Throughput per receiver is then bounded by window / round-trip (4 MiB / 50 ms = 80 MB/s), and memory
// per socket by the window plus what is in flight when the limit is hit.
// A client that never echoes gets at most one window, then drops, then the 45 s health timeout closes it.
// After hibernation the counts restart at zero (the object only hibernates while nothing is in flight).

/** Outstanding pings remembered at most (a fifth probe is not sent until one is answered). */
const MAX_OUTSTANDING = 4;

export class SendWindow {
  /** The window in bytes (RelayCore's maxBufferedBytes, 4 MiB by default). */
  readonly window: number;
  private sent = 0;
  private acked = 0;
  /** `sent` at each ping still waiting for its echo, oldest first. */
  private readonly marks: number[] = [];

  constructor(window: number) {
    this.window = window;
  }

  /** Bytes sent and not yet acknowledged by an echo. */
  get inFlight(): number {
    return this.sent - this.acked;
  }

  /** Pings sent and not echoed yet. */
  get outstanding(): number {
    return this.marks.length;
  }

  /** Count one message sent; `ping` when it is a health-check ping (its echo will acknowledge it). */
  sentBytes(n: number, ping: boolean): void {
    this.sent += n;
    if (ping) {
      if (this.marks.length >= MAX_OUTSTANDING) this.marks.shift();
      this.marks.push(this.sent);
    }
  }

  /** True when the caller should send a probe ping now (half the window in flight, none outstanding). */
  wantsProbe(): boolean {
    return this.marks.length === 0 && this.inFlight > this.window / 2;
  }

  /** A health-check echo arrived: everything sent before the oldest outstanding ping was read. */
  echoed(): void {
    const m = this.marks.shift();
    if (m !== undefined && m > this.acked) this.acked = m;
  }
}
