// The front's input checks (src/edge/check.ts) against the store's own verdict: over generated messages
// (empty keys, subnets that are and are not prefixes, any action, nested heartbeat elements), checkMessages
// refuses a batch exactly when StateStore.applyBatch does, with the same code, message and index.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkMessages } from "../../src/edge/index.ts";
import { decodeBatch, encodeToString, referenceSchema, type GossipMessage } from "../../src/gossip/index.ts";
import { StateRejectError } from "../../src/state/index.ts";
import { endpointArb, heartbeatArb, natArb, routeArb, tombstoneArb, withV } from "../gossip/arbitraries.ts";
import { makeStore } from "../state/helpers.ts";

const key = fc.constantFrom("", "a", "b");
const subnet = fc.constantFrom("", "10.0.0.0/8", "10.0.0.1/33", "fd15:d710:02:05:a1b2::/64", "not-a-prefix", "10.0.0.0", "::/0");
const message: fc.Arbitrary<string> = fc
  .oneof(
    endpointArb(key).map((payload) => ({ type: 1 as const, payload })),
    tombstoneArb(key).map((payload) => ({ type: 2 as const, payload })),
    natArb(key).map((payload) => ({ type: 3 as const, payload })),
    heartbeatArb(key, undefined, undefined, natArb(key), endpointArb(key)).map((payload) => ({ type: 4 as const, payload })),
    fc
      .tuple(routeArb(subnet), fc.constantFrom("add", "remove", "", "ADD", "delete"))
      .map(([payload, action]) => ({ type: 5 as const, payload: { ...payload, action } })),
  )
  .map((m: GossipMessage) => withV(encodeToString(m), m.payload.v));

function verdict(fn: () => void): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (!(e instanceof StateRejectError)) throw e;
    return JSON.stringify([e.code, e.message, e.index]);
  }
}

describe("front input checks", () => {
  it("refuse exactly what the store refuses, with the same code, message and batch index", () => {
    let refused = 0;
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 5 }), (batch) => {
        const text = `[${batch.join(",")}]`;
        const ours = verdict(() => checkMessages(decodeBatch(text, { schema: referenceSchema() })));
        const store = verdict(() => makeStore().applyBatch(text));
        expect(ours).toBe(store);
        if (ours !== null) refused++;
      }),
      { numRuns: 400 },
    );
    expect(refused).toBeGreaterThan(50); // the generator does reach the refusals
  }, 60_000); // CPU-bound (a store per run): vitest's 5 s default trips under load
});
