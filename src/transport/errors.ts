// Typed failures of every Transport implementation (in-memory, Node UDP/TCP, later HTTP/2): one set of
// classes and stable codes, so the SWIM core and metrics treat all transports alike
// (test/transport/conformance.ts checks each implementation against them).
import { GossamerError } from "../util/index.ts";

/** Base of the transport failures. Codes: "transport.timeout", "transport.closed", "transport.net". */
export class TransportError extends GossamerError {}

/** A stream read passed its deadline, or a dial did not connect in time. */
export class TransportTimeoutError extends TransportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("transport.timeout", message, options);
  }
}

/** The stream or transport is closed, the peer reset the connection, or a second read is pending. */
export class TransportClosedError extends TransportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("transport.closed", message, options);
  }
}

/** Binding or dialing failed (address in use, connection refused, unreachable, bad address). */
export class TransportNetError extends TransportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("transport.net", message, options);
  }
}
