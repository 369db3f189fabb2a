// Wire constants of Go's encoding/gob as meshage uses it (docs/protocols/meshage.md §2.1). One place for
// every number the codec relies on; the layouts below are what the decoder checks and the encoder emits.
//
// Stream   := Unit*                      one independent stream per TCP direction
// Unit     := count:uint  payload[count]  (count of the payload bytes that follow)
// payload  := -id:int wireType            a type definition (top level: alone in its unit)
//          |  id:int value                a value of type id (id >= 0)
// value    := struct fields... 00         field-number deltas, zero fields omitted, 00 terminates
//          |  00 single                   any non-struct value at top level or inside an interface
//
// uint: < 0x80 is one byte; otherwise the first byte is the negated byte count (0xff = 1 byte follows,
// ... 0xf8 = 8) and the value follows big-endian with the fewest bytes. NOT LEB128.
// int:  zigzag through bit 0 (i >= 0 -> 2i, i < 0 -> 2(-i)-1), then as uint.
// float: IEEE-754 bits with the byte order reversed, then as uint (small integers stay short).
// string / []byte: count:uint then the bytes. bool: uint 0 / 1.
// slice: count:uint then elements (zeros included). array: count (must equal the length) then elements.
// map: count:uint then key, element pairs. interface: nameLen:uint name, then a type sequence (inline
// definitions, each possibly cut into its own unit) ending in id:int, then byteCount:uint and the value
// as at top level (singleton 00 for non-structs). A nil interface is nameLen 0 and nothing else.

/** Predefined type ids (fixed in every Go process). */
export const ID_BOOL = 1;
export const ID_INT = 2;
export const ID_UINT = 3;
export const ID_FLOAT = 4;
export const ID_BYTES = 5;
export const ID_STRING = 6;
export const ID_COMPLEX = 7;
export const ID_INTERFACE = 8;
/** The wireType family (used only to describe types; values of these never appear in meshage). */
export const ID_WIRETYPE = 16;
/** Lowest id a type definition may carry (Go rejects definitions below it as duplicates). */
export const FIRST_USER_ID = 64;

/** wireType fields: exactly one is present in a definition. */
export const WT_ARRAY = 0;
export const WT_SLICE = 1;
export const WT_STRUCT = 2;
export const WT_MAP = 3;
export const WT_GOB_ENCODER = 4;
export const WT_BINARY_MARSHALER = 5;
export const WT_TEXT_MARSHALER = 6;
export const WT_FIELD_COUNT = 7;

/** CommonType {Name string; Id typeId}, the first field of every *Type struct. */
export const CT_NAME = 0;
export const CT_ID = 1;

/** Longest interface type name Go accepts. */
export const MAX_INTERFACE_NAME = 1024;

/** Go refuses units of 1 GiB or more (tooBig on 64-bit). */
export const GO_TOO_BIG = 1 << 30;

/** The largest value a gob uint count byte may announce (8 bytes = uint64). */
export const UINT_MAX_BYTES = 8;
