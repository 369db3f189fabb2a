// Label header (hasLabel 244, memberlist ≥ 0.3.0; docs/protocols/memberlist.md §6): f4 | len u8 (1..255) | label.
// Outermost on packets; on streams only the dialer's request carries it (as its own write). No header
// means label "". A configured label must match exactly; with SkipInboundLabelCheck an unlabeled input
// counts as carrying the configured label and a labeled one is an error. The label is also GCM AAD.
import { MemberlistEncodeError, MemberlistLabelError } from "../errors.ts";
import { MessageType } from "../messages.ts";
import { EMPTY, bytesEqual } from "../../util/index.ts";

const utf8 = new TextEncoder();

/** The last label encoded: a node has one label, and every packet in and out needs its bytes. */
let lastLabel = "";
let lastBytes: Uint8Array = EMPTY;

/** The label's bytes ("" -> empty; shared, do not mutate). Throws MemberlistEncodeError above 255 bytes. */
export function labelBytes(label: string | undefined): Uint8Array {
  if (label === undefined || label === "") return EMPTY;
  if (label === lastLabel) return lastBytes;
  const b = utf8.encode(label);
  if (b.length > 255) throw new MemberlistEncodeError(`label of ${b.length} bytes exceeds 255`);
  lastLabel = label;
  lastBytes = b;
  return b;
}

/** `f4 len label`, or null when no label is configured. */
export function encodeLabelHeader(label: string | undefined): Uint8Array | null {
  const b = labelBytes(label);
  if (b.length === 0) return null;
  const out = new Uint8Array(2 + b.length);
  out[0] = MessageType.hasLabel;
  out[1] = b.length;
  out.set(b, 2);
  return out;
}

/** Prepends the label header (if any) to a sealed packet. */
export function addLabelHeader(buf: Uint8Array, label: string | undefined): Uint8Array {
  const h = encodeLabelHeader(label);
  if (h === null) return buf;
  const out = new Uint8Array(h.length + buf.length);
  out.set(h);
  out.set(buf, h.length);
  return out;
}

/**
 * Parses a label header at the start of `buf`. Returns the label bytes and the header length (0 and an
 * empty label when there is none), or "more" when `buf` ends inside the header (streams read on).
 */
export function parseLabelHeader(buf: Uint8Array): { label: Uint8Array; headerLen: number } | "more" {
  if (buf.length === 0 || buf[0] !== MessageType.hasLabel) return { label: EMPTY, headerLen: 0 };
  if (buf.length < 2) return "more";
  const size = buf[1]!;
  if (size < 1) throw new MemberlistLabelError("label header cannot be empty when present", { offset: 1 });
  if (buf.length < 2 + size) return "more";
  return { label: buf.subarray(2, 2 + size), headerLen: 2 + size };
}

/**
 * Applies the inbound label policy; returns the label bytes to use as AAD. Throws MemberlistLabelError
 * ("discarding packet/stream with unacceptable label").
 */
export function checkLabel(received: Uint8Array, configured: string | undefined, skipInboundLabelCheck: boolean): Uint8Array {
  const want = labelBytes(configured);
  let got = received;
  if (skipInboundLabelCheck) {
    if (received.length > 0) throw new MemberlistLabelError("unexpected double label header", { offset: 0 });
    got = want;
  }
  if (!bytesEqual(got, want)) throw new MemberlistLabelError("discarding input with unacceptable label", { offset: 0 });
  return got;
}
