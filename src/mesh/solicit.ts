// UDP solicitation (docs/protocols/meshage.md §3): while a node has fewer links than its degree it
// broadcasts the ASCII datagram `meshage:<namespace>:<name>` (no framing, no gob) to the mesh port, then
// sleeps a random whole number of seconds in 0 .. 2^k - 1, k = 1, 2, ... capped at 7. Listeners split
// the datagram on ":" and need exactly three parts; other namespaces and their own name are ignored.
import type { Clock, Logger, Random, TimerHandle } from "../util/index.ts";
import { SOLICIT_BACKOFF_MAX, SOLICIT_LIMIT, SOLICIT_PREFIX, SOLICIT_RATIO } from "./constants.ts";
import type { MeshStats } from "./stats.ts";
import type { MeshTransport } from "./transport.ts";

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

export function solicitationPayload(namespace: string, name: string): Uint8Array {
  return enc.encode(`${SOLICIT_PREFIX}:${namespace}:${name}`);
}

/** The (namespace, name) of a solicitation, or null when malformed (minimega logs and drops those). */
export function parseSolicitation(payload: Uint8Array): { namespace: string; name: string } | null {
  if (payload.length > 1024) return null; // minimega reads at most 1024 bytes
  const parts = dec.decode(payload).split(":");
  if (parts.length !== 3 || parts[0] !== SOLICIT_PREFIX || parts[2] === "") return null;
  return { namespace: parts[1]!, name: parts[2]! };
}

/** Seconds to sleep after a solicitation sent with backoff exponent k. */
export function backoffSeconds(k: number, random: () => number): number {
  return Math.floor(random() * 2 ** Math.min(k, SOLICIT_BACKOFF_MAX));
}

/** The anti-stampede rule: with more than SOLICIT_LIMIT clients, answer with probability 1/SOLICIT_RATIO. */
export function shouldAnswer(clients: number, random: () => number): boolean {
  return clients <= SOLICIT_LIMIT || Math.floor(random() * SOLICIT_RATIO) === 0;
}

export interface SolicitorDeps {
  name: string;
  namespace: string;
  clock: Clock;
  random: Random;
  transport: MeshTransport;
  stats: MeshStats;
  log: Logger;
  /** Current number of links, and the degree to reach. */
  links(): number;
  degree(): number;
  /** Already linked to this name? */
  linked(name: string): boolean;
  /** Dials a solicitor (host or address) as an answer to its solicitation. */
  answer(target: string, name: string): void;
}

/** Both halves of solicitation for one node: the sending loop, and answering others' datagrams. */
export class Solicitor {
  private readonly d: SolicitorDeps;
  private timer: TimerHandle | null = null;
  private running = false;
  private stopped = false;

  constructor(d: SolicitorDeps) {
    this.d = d;
  }

  /** Starts the loop if the node has fewer links than its degree (no-op while it runs). */
  check(): void {
    const d = this.d;
    if (this.running || this.stopped || d.links() >= d.degree()) return;
    this.running = true;
    let k = 1;
    const payload = solicitationPayload(d.namespace, d.name);
    const step = () => {
      this.timer = null;
      if (this.stopped || d.links() >= d.degree()) {
        this.running = false;
        return;
      }
      d.transport.solicit(payload);
      d.stats.solicitationsSent++;
      const wait = backoffSeconds(k, () => d.random.next());
      if (k < SOLICIT_BACKOFF_MAX) k++;
      this.timer = d.clock.setTimeout(step, wait * 1000);
    };
    step();
  }

  /** A datagram arrived on the mesh port. */
  onDatagram(payload: Uint8Array, from: string, dialSourceAddress: boolean): void {
    const d = this.d;
    if (this.stopped) return;
    const s = parseSolicitation(payload);
    if (!s) {
      d.log.debug({ from }, "malformed solicitation dropped");
      return;
    }
    if (s.namespace !== d.namespace || s.name === d.name || d.linked(s.name)) return;
    if (!shouldAnswer(d.links(), () => d.random.next())) return;
    d.stats.solicitationsAnswered++;
    d.answer(dialSourceAddress && from ? from : s.name, s.name);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.d.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
