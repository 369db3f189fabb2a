// Counters of the cluster fabric, kept as plain numbers on the data path; metrics.ts declares them as
// metrics (upstream's relay_cluster_* names, docs/protocols/relay-fabric.md §8), read at scrape time.
import type { HelloRejectReason } from "./errors.ts";

/** relay_cluster_forwards_total{result}. Append only. */
export type FabricForwardResult = "ok" | "peer_not_found" | "stream_gone" | "send_error";

export class FabricStats {
  readonly forwards: Record<FabricForwardResult, number> = { ok: 0, peer_not_found: 0, stream_gone: 0, send_error: 0 };
  readonly helloRejects: Partial<Record<HelloRejectReason, number>> = {};
  /** relay_cluster_pings_sent_total / _lost_total: defined upstream; nothing sends PING yet. */
  pingsSent = 0;
  pingsLost = 0;
  /** FWD frames received and delivered / dropped (dst not here). */
  forwardedIn = 0;
  forwardedInDropped = 0;
  /** Frames that failed to decode (dropped; the stream stays up) and frames of unknown type (skipped). */
  frameErrors = 0;
  unknownFrames = 0;
  lookups = 0;
  /** Local connections closed because the peer connected to another pod (PRESENCE online). */
  evictions = 0;
  /** Packets dropped while waiting for a lookup because the per-destination queue was full. */
  lookupQueueDrops = 0;
  /** Online announcements ignored because the stream already announced maxAnnouncedPerStream peers. */
  announceCapped = 0;
  /** Accepted connections closed before HELLO because too many were waiting for theirs. */
  pendingHelloEvicted = 0;
  /** Observer of lookup durations in seconds (the lookup histogram, see metrics.ts). */
  onLookup: ((seconds: number, found: boolean) => void) | undefined = undefined;

  forward(r: FabricForwardResult): void {
    this.forwards[r]++;
  }

  helloReject(r: HelloRejectReason): void {
    this.helloRejects[r] = (this.helloRejects[r] ?? 0) + 1;
  }

  lookup(seconds: number, found: boolean): void {
    this.lookups++;
    this.onLookup?.(seconds, found);
  }
}
