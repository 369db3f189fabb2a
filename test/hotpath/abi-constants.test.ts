// The hot path keeps its own copy of the wire constants its Wasm ABI compiles in (src/hotpath/frames.ts),
// so it depends on no protocol module. This pins each copy to the protocol's one place of definition.
import { describe, expect, it } from "vitest";
import { PEER_ID_LENGTH, PEER_ID_OFFSET, RELAY_TYPE_TRANSPORT } from "../../src/hotpath/index.ts";
import { COMPOUND_TYPE, RELAY_VERSION_1 } from "../../src/hotpath/frames.ts";
import { MessageType } from "../../src/memberlist/messages.ts";
import * as P from "../../src/relay/protocol.ts";

describe("hot-path ABI constants match their protocols", () => {
  it("relay header and peer-ID slot", () => {
    expect(RELAY_VERSION_1).toBe(P.PROTOCOL_VERSION);
    expect(RELAY_TYPE_TRANSPORT).toBe(P.MSG_TRANSPORT);
    expect(PEER_ID_LENGTH).toBe(P.PEER_ID_SIZE);
    expect(PEER_ID_OFFSET).toBe(P.TRANSPORT_ID_OFFSET);
  });
  it("memberlist compound type", () => {
    expect(COMPOUND_TYPE).toBe(MessageType.compound);
  });
});
