// Typed errors of the memberlist wire layer. One class per failure family; `code` is stable (callers,
// logs and metrics switch on it), decoders also set the byte `offset` where the input went wrong.
// Everything the codec throws on untrusted input is a MemberlistError: no other exception may escape.
import { GossamerError } from "../util/index.ts";

/** Stable error codes of the memberlist wire layer. Append only. */
export const MemberlistErrorCode = {
  /** Input ended before the structure did (in a stream: the peer closed early). */
  truncated: "memberlist.truncated",
  /** A msgpack value of the wrong kind for the field (e.g. a string where an int belongs). */
  wrongType: "memberlist.wrong_type",
  /** A value out of range for its Go type (negative uint, port > 65535, an int past 2^53...). */
  badValue: "memberlist.bad_value",
  /** Malformed msgpack (reserved byte 0xc1, non-string map key, ...). */
  badMsgpack: "memberlist.bad_msgpack",
  /** A message type byte we do not know, or not allowed where it was found. */
  unknownType: "memberlist.unknown_type",
  /** Empty input where a message type byte was expected. */
  empty: "memberlist.empty",
  /** Compound parts running past the buffer, or a bad compound header. */
  badCompound: "memberlist.bad_compound",
  /** A size, count or depth limit on untrusted input was exceeded. */
  limit: "memberlist.limit",
  /** Invalid LZW data (bad code, missing EOF code, empty result) or unknown compression algorithm. */
  compression: "memberlist.compression",
  /** CRC-32 of a hasCrc packet did not match. */
  checksum: "memberlist.checksum",
  /** Label header malformed, or the label does not match the configured one. */
  label: "memberlist.label",
  /** No installed key opens the message (or it is too short / of an unknown version). */
  decrypt: "memberlist.decrypt",
  /** Encryption is configured but the input was plaintext. */
  notEncrypted: "memberlist.not_encrypted",
  /** The input is encrypted but no keyring is configured (Go answers with an errResp). */
  encryptionNotConfigured: "memberlist.encryption_not_configured",
  /** A key is not 16, 24 or 32 bytes, or a keyring operation is not allowed. */
  badKey: "memberlist.bad_key",
  /** The stream transport failed (read error, timeout). */
  io: "memberlist.io",
  /** We were asked to encode something the wire cannot carry (part > 65535 bytes, label > 255...). */
  encode: "memberlist.encode",
} as const;
export type MemberlistErrorCodeValue = (typeof MemberlistErrorCode)[keyof typeof MemberlistErrorCode];

/** Base of every memberlist wire error. */
export class MemberlistError extends GossamerError {
  declare readonly code: MemberlistErrorCodeValue;
  constructor(code: MemberlistErrorCodeValue, message: string, options?: { cause?: unknown; offset?: number }) {
    super(code, message, options);
  }
}

/** Malformed bytes: truncated, wrong msgpack type, out-of-range value, unknown message type, bad compound. */
export class MemberlistDecodeError extends MemberlistError {}

/** A limit on untrusted input was exceeded (length, count, depth, decompressed size). */
export class MemberlistLimitError extends MemberlistDecodeError {
  constructor(message: string, options?: { cause?: unknown; offset?: number }) {
    super(MemberlistErrorCode.limit, message, options);
  }
}

/** LZW data that Go's compress/lzw would reject, or an unknown compression algorithm. */
export class MemberlistCompressionError extends MemberlistDecodeError {
  constructor(message: string, options?: { cause?: unknown; offset?: number }) {
    super(MemberlistErrorCode.compression, message, options);
  }
}

/** hasCrc checksum mismatch (the packet is dropped, as Go does). */
export class MemberlistChecksumError extends MemberlistError {
  constructor(message: string, options?: { cause?: unknown; offset?: number }) {
    super(MemberlistErrorCode.checksum, message, options);
  }
}

/** Label header malformed or not the configured label ("discarding packet with unacceptable label"). */
export class MemberlistLabelError extends MemberlistError {
  constructor(message: string, options?: { cause?: unknown; offset?: number }) {
    super(MemberlistErrorCode.label, message, options);
  }
}

/** Encryption failures: no key opens the message, plaintext where encryption is required, bad keys. */
export class MemberlistCryptoError extends MemberlistError {}

/** Stream transport failures (read errors, deadlines) while reading a message. */
export class MemberlistStreamError extends MemberlistError {
  constructor(message: string, options?: { cause?: unknown; offset?: number }) {
    super(MemberlistErrorCode.io, message, options);
  }
}

/** Our own caller asked for something the wire cannot carry. */
export class MemberlistEncodeError extends MemberlistError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(MemberlistErrorCode.encode, message, options);
  }
}
