// The transport contract the memberlist core speaks through (memberlist's Transport, reshaped for JS):
// unreliable packets (UDP, ckit /message, in-memory) and reliable one-request streams (TCP, ckit /stream).
// The SWIM core never knows which implementation it has. Addresses are "host:port" strings; IPv6 hosts
// are bracketed ("[::1]:7946").

/** A datagram as received. `from` is the sender's transport address, "host:port". */
export interface Packet {
  readonly buf: Uint8Array;
  readonly from: string;
  /** Receive time in ms from the transport's clock. */
  readonly timestamp: number;
}

/**
 * A reliable byte stream (one memberlist request and at most one reply). Reads deliver chunks as they
 * arrive: message boundaries are NOT preserved, so readers must parse incrementally.
 */
export interface StreamConn {
  readonly remote: string;
  /** Resolves with the next chunk, or null at end of stream. Rejects with a timeout error past the deadline. */
  read(): Promise<Uint8Array | null>;
  write(data: Uint8Array): Promise<void>;
  /** Absolute deadline in transport-clock ms for reads (0 = none). */
  setDeadline(atMs: number): void;
  close(): void;
  /**
   * Optional: charges `bytes` of memory derived from this stream (decompressed or decrypted output) to the
   * transport's inbound budget until the stream closes. False = refused (the reader gives up). Streams
   * without a budget (in-memory, dialled) do not implement it.
   */
  charge?(bytes: number): boolean;
}

export interface Transport {
  /** The address other members should use to reach us (advertise address), host and port. */
  advertise(): { host: string; port: number };
  /**
   * Fire-and-forget datagram. Never throws for network errors (they are counted/logged). The transport
   * owns `buf` from here on: callers must not modify it afterwards (a socket may still be sending it).
   */
  sendPacket(to: string, buf: Uint8Array): void;
  dialStream(to: string, timeoutMs: number): Promise<StreamConn>;
  onPacket(handler: (p: Packet) => void): void;
  onStream(handler: (s: StreamConn) => void): void;
  /**
   * Optional hint that `to` will be sent to soon (memberlist calls it for its next probe target, one
   * probe interval ahead): a transport with connection set-up (HTTP/2 sessions) may open it now so the
   * probe does not wait for it. Never throws.
   */
  warm?(to: string): void;
  close(): Promise<void>;
}
