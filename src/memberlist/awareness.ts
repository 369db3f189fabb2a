// Lifeguard local health awareness: a score in [0, max-1] that grows when this node's own probes fail
// without nacks or when it has to refute, and shrinks on every successful probe. Timeouts are scaled by
// (score + 1), so a node that is itself slow or lossy waits longer before accusing others.
export class Awareness {
  private score = 0;
  readonly max: number;
  /** false = plain SWIM: the score stays 0. */
  readonly enabled: boolean;

  constructor(max: number, enabled = true) {
    this.max = max;
    this.enabled = enabled;
  }

  applyDelta(delta: number): void {
    if (!this.enabled) return;
    const s = this.score + delta;
    this.score = s < 0 ? 0 : s > this.max - 1 ? this.max - 1 : s;
  }

  getHealthScore(): number {
    return this.score;
  }

  scaleTimeout(ms: number): number {
    return ms * (this.score + 1);
  }
}
