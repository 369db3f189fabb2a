// Applying a batch of envelopes that came from elsewhere (a push/pull state, an edge frame) as far as it
// is good: the whole batch in one commit when it all decodes and plans; otherwise the elements that fail
// are skipped (and counted) and the rest still lands in one commit. Not JSON at all throws.
import { decodeEach, GossipDecodeError, type DecodedMessage } from "../gossip/index.ts";
import { StateRejectError, type ApplyResult, type StateStore } from "../state/index.ts";

export interface LenientResult {
  applied: number;
  changes: number;
  skipped: number;
}

export function applyLenient(store: StateStore, input: Uint8Array | string, maxBytes: number): LenientResult {
  const opts = { maxBytes };
  let r: ApplyResult;
  try {
    r = store.applyBatch(input, opts);
    return { applied: r.applied, changes: r.changes.length, skipped: 0 };
  } catch (e) {
    if (!(e instanceof GossipDecodeError || e instanceof StateRejectError)) throw e;
    if (e instanceof GossipDecodeError && (e.reason === "malformed_json" || e.reason === "too_large")) throw e;
  }
  const decoded = decodeEach(input, opts);
  let msgs = decoded.filter((m): m is DecodedMessage => !(m instanceof GossipDecodeError));
  let skipped = decoded.length - msgs.length;
  for (;;) {
    try {
      r = store.applyBatch(msgs);
      return { applied: r.applied, changes: r.changes.length, skipped };
    } catch (e) {
      if (!(e instanceof StateRejectError) || e.index === undefined) throw e;
      const bad = e.index;
      msgs = msgs.filter((_, j) => j !== bad);
      skipped++;
    }
  }
}
