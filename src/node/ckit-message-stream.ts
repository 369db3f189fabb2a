// One streaming POST /api/v1/ckit/transport/message (docs/protocols/ckit.md §3.1): the request body
// stays open and carries packet frames as they are sent, so a packet costs one DATA frame on a request
// that already exists instead of a request of its own. A ckit handler reads frames from the body in a loop
// and delivers each as it is read; the answer (200 or 400) comes only when the body ends.
//
// Invariants:
//  - writes never block the caller: when HTTP/2 flow control or the session's socket holds data back,
//    write() reports it (`blocked`) and the caller keeps its packets queued until `drain`;
//  - a response that arrives while our body is still open, or a reset by the peer while its session is
//    still up, means the peer does not take streamed bodies (or, late in a long request, cut it off at
//    a limit): the end is reported as `rejected`, and the client decides (fallback or shorter requests);
//  - the outcome is reported exactly once (onEnd), with the number of frames written on the request;
//    anything but 200 counts those frames as failed (ckit counts every packet of a non-200 request);
//  - `stalled(now)` is how long data (or, after end(), the answer) has been waiting; the client's sweep
//    cancels a stream stalled past the packet timeout.
import { constants, type ClientHttp2Session, type ClientHttp2Stream, type OutgoingHttpHeaders } from "node:http2";

export interface MessageStreamEnd {
  /** Answered 200 (frames delivered as far as HTTP can tell). */
  ok: boolean;
  /** The peer answered or reset before our body ended: it does not take streamed bodies. */
  rejected: boolean;
  frames: number;
  why: string;
}

export interface MessageStreamHooks {
  /** Writable again after write() returned false (flow control or socket back-pressure cleared). */
  onDrain(s: MessageStream): void;
  onEnd(s: MessageStream, end: MessageStreamEnd): void;
}

export class MessageStream {
  readonly peer: string;
  readonly openedAt: number;
  /** Frames and payload bytes written on this request. */
  frames = 0;
  bytes = 0;
  lastWriteAt: number;
  /** The client ends this request at this age (and opens a new one for the next packet). */
  maxAgeMs = Infinity;
  readonly #req: ClientHttp2Stream;
  readonly #session: ClientHttp2Session;
  readonly #hooks: MessageStreamHooks;
  readonly #now: () => number;
  #blocked = false;
  #ended = false;
  #endedAt = 0;
  #settled = false;
  #cancelled = false;
  #status = 0;
  /** Writes handed to HTTP/2 whose callback has not fired yet, and when the last one completed. */
  #pending = 0;
  #progressAt: number;

  constructor(session: ClientHttp2Session, headers: OutgoingHttpHeaders, clock: () => number, peer: string, hooks: MessageStreamHooks) {
    const now = clock();
    this.#now = clock;
    this.peer = peer;
    this.openedAt = now;
    this.lastWriteAt = now;
    this.#progressAt = now;
    this.#session = session;
    this.#hooks = hooks;
    const req = session.request(headers, { endStream: false });
    this.#req = req;
    req.on("response", (h) => {
      this.#status = Number(h[":status"]);
      if (!this.#ended) {
        // Answered while we are still sending: the peer finished the request without reading to our end.
        const status = this.#status;
        this.#settle({ ok: status === 200, rejected: true, frames: this.frames, why: `answered ${status} before the body ended` });
        this.#cancel();
      }
    });
    req.on("drain", () => {
      this.#blocked = false;
      if (!this.#settled) hooks.onDrain(this);
    });
    req.on("error", () => {});
    req.on("close", () => {
      const status = this.#status;
      if (status) return this.#settle({ ok: status === 200, rejected: false, frames: this.frames, why: `status ${status}` });
      const code = req.rstCode ?? 0;
      // A reset from a peer whose session is still up refuses the request itself (not a dead connection).
      const refused = !this.#ended && !this.#cancelled && code !== constants.NGHTTP2_NO_ERROR && !this.#session.destroyed && !this.#session.closed;
      this.#settle({ ok: false, rejected: refused, frames: this.frames, why: code ? `stream reset (code ${code})` : "stream closed" });
    });
    req.resume();
  }

  /** True while frames can be written now (not ended, not answered, not held back by flow control). */
  get writable(): boolean {
    return !this.#ended && !this.#settled && !this.#blocked;
  }

  get ended(): boolean {
    return this.#ended || this.#settled;
  }

  /** Writes already-framed bytes carrying `frames` packets. Returns false once the caller should wait for drain. */
  write(framed: Uint8Array, frames: number, payloadBytes: number, now: number): boolean {
    this.frames += frames;
    this.bytes += payloadBytes;
    this.lastWriteAt = now;
    if (this.#pending++ === 0) this.#progressAt = now;
    const more = this.#req.write(framed, () => {
      this.#pending--;
      this.#progressAt = this.#now();
    });
    if (!more) this.#blocked = true;
    return more;
  }

  /** Ends the body (END_STREAM); the peer answers once it has read everything. */
  end(now: number): void {
    if (this.#ended || this.#settled) return;
    this.#ended = true;
    this.#endedAt = now;
    this.#req.end();
  }

  /** Milliseconds this request has been waiting on the peer (0 when it is not waiting). */
  stalled(now: number): number {
    if (this.#settled) return 0;
    if (this.#ended) return now - Math.max(this.#endedAt, this.#progressAt);
    return this.#pending > 0 ? now - this.#progressAt : 0;
  }

  /** Gives up on this request: its frames count as failed. */
  cancel(why: string): void {
    this.#settle({ ok: false, rejected: false, frames: this.frames, why });
    this.#cancel();
  }

  #cancel(): void {
    this.#cancelled = true;
    if (!this.#req.closed && !this.#req.destroyed) this.#req.close(constants.NGHTTP2_CANCEL);
  }

  #settle(end: MessageStreamEnd): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#hooks.onEnd(this, end);
  }
}
