// Typed failures of the Node UDP/TCP transport. Codes are stable (callers and metrics switch on them).
import { GossamerError } from "../util/index.ts";

/** A stream read passed its deadline, or a dial did not connect in time. */
export class TransportTimeoutError extends GossamerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("transport_timeout", message, options);
  }
}

/** The stream or transport is closed, or the peer reset the connection. */
export class TransportClosedError extends GossamerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("transport_closed", message, options);
  }
}

/** Binding or dialing failed (address in use, connection refused, unreachable). */
export class TransportNetError extends GossamerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("transport_net", message, options);
  }
}
