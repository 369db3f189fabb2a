// A meshage node (docs/protocols/meshage.md): links to neighbours (one TCP connection each), degree and
// solicitation, MSAs (own, rate-limited; others', flooded), the effective network and routes, Set /
// Broadcast with hop-by-hop ACKs, local delivery and the Snoop hook. Portable: the network is the
// MeshTransport seam, time/randomness/logging/metrics come from the Platform.
//
// Departures from minimega, each fixing a complaint of its users (minimega#1004, #182, #326, #1458, #105),
// none visible on the wire (docs/protocols/meshage.md §2.2–§7 mark each):
// sends fail at once when their link closes; a rate-limited MSA is sent when the interval ends instead of
// being dropped; a same-Instance restart is accepted without waiting out the lollipop; a second link to
// a name replaces a stale one (a restarted neighbour reconnects at once) with a deterministic tie-break
// for simultaneous dials; solicitations are answered by dialling the datagram's source address.
import type { Platform } from "../platform/index.ts";
import type { Logger, TimerHandle } from "../util/index.ts";
import { DEADLINE_MULTIPLIER } from "./constants.ts";
import { dot } from "./dot.ts";
import { MeshError } from "./errors.ts";
import { TypeRegistry, type GobInterface } from "./gob/index.ts";
import { Link, type HandshakeInfo, type LinkCloseReason, type LinkOptions } from "./link.ts";
import { SequenceTable } from "./lollipop.ts";
import type { DataMessage, MeshMessage, MsaMessage } from "./message.ts";
import { Router, type SendResult } from "./router.ts";
import { Solicitor } from "./solicit.ts";
import { Inbox, type Delivery } from "./inbox.ts";
import { MeshStats, registerMeshMetrics } from "./stats.ts";
import { MsaSchedule } from "./msa-schedule.ts";
import { Topology } from "./topology.ts";
import { resolveOptions, type MeshNodeOptions, type MsaPolicyName, type ResolvedOptions } from "./node-options.ts";
import type { MeshConn, MeshTransport } from "./transport.ts";

export class MeshNode {
  readonly name: string;
  readonly namespace: string;
  private readonly portOf: () => number;
  readonly version: string;
  readonly instance: bigint;
  readonly stats = new MeshStats();
  /** Called for every MESSAGE relayed through this node that is not for it (minimega's Snoop). */
  snoop: ((m: DataMessage) => void) | null = null;
  private degreeValue: number;
  private msaPeriod: number;
  private timeout: number;
  private readonly o: ResolvedOptions;
  private readonly platform: Platform;
  private readonly log: Logger;
  private readonly transport: MeshTransport;
  private readonly registry = new TypeRegistry();
  readonly topology: Topology;
  private readonly sequences: SequenceTable;
  private readonly router: Router;
  private readonly links = new Map<string, Link>();
  private readonly handshaking = new Set<Link>();
  private readonly dials = new Map<Link, { resolve(name: string): void; reject(e: MeshError): void; solicited: boolean }>();
  private readonly inbox: Inbox;
  private readonly solicitor: Solicitor;
  private readonly msaSchedule: MsaSchedule;
  private lastOwnMsa: MsaMessage | null = null;
  /** The last accepted MSA of every other node, as we flooded it (for catch-up on new links). */
  private readonly lastMsas = new Map<string, MsaMessage>();
  private msaTimer: TimerHandle | null = null;
  private stopped = false;
  private readonly linkOptions: LinkOptions;

  constructor(platform: Platform, transport: MeshTransport, opts: MeshNodeOptions) {
    const r = resolveOptions(opts, platform.random);
    this.platform = platform;
    this.transport = transport;
    this.name = r.name;
    this.namespace = r.namespace;
    this.portOf = r.port;
    this.version = r.version;
    this.degreeValue = r.degree;
    this.msaPeriod = r.msaPeriodMs;
    this.timeout = r.timeoutMs;
    this.instance = r.instance;
    this.o = r;
    this.log = platform.logger.child({ component: "mesh-node", node: this.name });
    this.topology = new Topology(this.name, this.o.msaPolicy === "gossamer" ? 2 * this.msaPeriod : 0, () => platform.clock.now());
    this.msaSchedule = new MsaSchedule(platform.clock, () => this.msaPeriod, this.o.msaPolicy === "gossamer" ? "coalesce" : "minimega", () => this.originateMsa());
    this.sequences = new SequenceTable({ quietMs: this.o.quickRestart ? this.msaPeriod / 2 : Infinity, expireMs: 10 * this.msaPeriod });
    this.router = new Router(this.name, this.topology, this.stats, this.log, (hop) => this.links.get(hop));
    this.router.links = () => this.links.values();
    this.inbox = new Inbox(this.o.receiveBuffer, this.log);
    this.solicitor = new Solicitor({
      name: this.name,
      namespace: this.namespace,
      clock: platform.clock,
      random: platform.random,
      transport,
      stats: this.stats,
      log: this.log,
      links: () => this.links.size,
      degree: () => this.degreeValue,
      linked: (n) => this.links.has(n),
      answer: (target, name) => {
        this.dialWith(target, true).catch((e: MeshError) => this.log.debug({ solicitor: name, target, err: e.message }, "answering solicitation failed"));
      },
    });
    const node = this;
    this.linkOptions = {
      clock: platform.clock,
      registry: this.registry,
      limits: this.o.limits,
      self: this.name,
      version: this.version,
      get ackTimeoutMs() {
        return node.timeout;
      },
      get readDeadlineMs() {
        return DEADLINE_MULTIPLIER * node.msaPeriod;
      },
      failFast: this.o.failFast,
    };
    registerMeshMetrics(platform.metrics, this.stats, {
      peers: () => this.links.size,
      nodes: () => this.topology.effectiveNetwork().size,
      routes: () => this.topology.routeCount(),
    });
  }

  async start(): Promise<void> {
    this.transport.onSolicitation((p, from) => this.solicitor.onDatagram(p, from, this.o.dialSolicitorAddress));
    await this.transport.listen((conn) => this.accept(conn));
    this.scheduleMsa();
    this.solicitor.check();
    this.log.info({ namespace: this.namespace, degree: this.degreeValue, instance: this.instance.toString(), msaPeriodMs: this.msaPeriod }, "mesh node started");
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.msaTimer) this.platform.clock.clearTimeout(this.msaTimer);
    this.solicitor.stop();
    this.msaSchedule.stop();
    for (const l of [...this.links.values(), ...this.handshaking]) l.close("stopped");
    await this.transport.close();
  }

  // ---- API (minimega's Node methods) ----

  get port(): number {
    return this.portOf();
  }

  get degree(): number {
    return this.degreeValue;
  }
  setDegree(d: number): void {
    this.degreeValue = Math.max(0, Math.floor(d));
    this.solicitor.check();
  }
  get msaPeriodMs(): number {
    return this.msaPeriod;
  }
  setMsaPeriod(ms: number): void {
    this.msaPeriod = ms;
    if (this.o.msaPolicy === "gossamer") this.topology.graceMs = 2 * ms;
    this.scheduleMsa();
  }
  /** Switches the MSA policy (benches compare the two on one mesh). */
  setMsaPolicy(p: MsaPolicyName): void {
    this.o.msaPolicy = p;
    this.msaSchedule.policy = p === "gossamer" ? "coalesce" : "minimega";
    this.topology.graceMs = p === "gossamer" ? 2 * this.msaPeriod : 0;
  }
  get timeoutMs(): number {
    return this.timeout;
  }
  setTimeoutMs(ms: number): void {
    this.timeout = ms;
  }
  /** Direct neighbours, sorted. */
  clients(): string[] {
    return [...this.links.keys()].sort();
  }
  mesh(): Record<string, string[]> {
    this.refreshRoutes();
    return this.topology.mesh();
  }
  broadcastRecipients(): string[] {
    this.refreshRoutes();
    return this.topology.broadcastRecipients();
  }
  dot(): string {
    this.refreshRoutes();
    return dot(this.name, this.topology.effectiveNetwork());
  }

  /** Connects to another node regardless of degree and namespace. Resolves with its name. */
  dial(host: string): Promise<string> {
    return this.dialWith(host, false);
  }

  hangup(name: string): void {
    const l = this.links.get(name);
    if (!l) throw new MeshError("no-client", `no such client ${name}`);
    l.close("hangup");
  }

  /** Sends `body` to `recipients` (grouped by next hop; resolves when every first hop has ACKed or failed). */
  set(recipients: readonly string[], body: GobInterface | null): Promise<SendResult> {
    this.refreshRoutes();
    return this.router.send({ kind: "message", recipients, source: this.name, instance: this.instance, route: [this.name], id: 0n, body }, true);
  }

  /** Set to every other node of the effective network (a unicast fan-out along the routes). */
  broadcast(body: GobInterface | null): Promise<SendResult> {
    return this.set(this.broadcastRecipients(), body);
  }

  /** Subscribes to MESSAGEs delivered here (and snooped ones); returns an unsubscribe function. */
  onMessage(listener: (d: Delivery) => void): () => void {
    return this.inbox.subscribe(listener);
  }

  /** Deliveries still held (at most receiveBuffer), optionally only those after `afterSeq`. */
  recentDeliveries(afterSeq = 0): Delivery[] {
    return this.inbox.after(afterSeq);
  }

  /** Asks for an MSA (minimega's MSA()): announced per the schedule (msa-schedule.ts), at most 2 per period. */
  msa(): void {
    if (this.stopped) return;
    this.msaSchedule.change();
    this.stats.msasRateLimited = this.msaSchedule.limited;
  }

  private originateMsa(): void {
    if (this.stopped) return;
    const now = this.platform.clock.now();
    const clients = this.clients();
    this.topology.setOwn(clients);
    if (clients.length === 0) return;
    const m: MsaMessage = { kind: "msa", source: this.name, instance: this.instance, route: [this.name], id: this.sequences.next(this.instance, now), neighbours: clients };
    this.lastOwnMsa = m;
    this.stats.msasOriginated++;
    this.router.flood(m, false);
  }

  // ---- links ----

  private accept(conn: MeshConn): void {
    if (this.stopped) {
      conn.destroy();
      return;
    }
    const o = Object.create(this.linkOptions) as LinkOptions;
    o.soliciting = this.links.size < this.degreeValue;
    const link = new Link("acceptor", conn, o, this.hooks);
    this.handshaking.add(link);
    link.start();
  }

  private async dialWith(host: string, solicited: boolean): Promise<string> {
    if (this.stopped) throw new MeshError("stopped", "node is stopped");
    let conn: MeshConn;
    try {
      conn = await this.transport.dial(host, this.timeout);
    } catch (e) {
      throw new MeshError("dial", `dial ${host}: ${(e as Error).message}`, e);
    }
    return new Promise<string>((resolve, reject) => {
      const link = new Link("dialer", conn, this.linkOptions, this.hooks);
      this.dials.set(link, { resolve, reject, solicited });
      this.handshaking.add(link);
      link.start();
    });
  }

  private readonly hooks = {
    handshake: (link: Link, info: HandshakeInfo): MeshError | null => this.onHandshake(link, info),
    up: (link: Link): void => this.onUp(link),
    message: (link: Link, m: Exclude<MeshMessage, { kind: "ack" }>, bytes: number): void => this.onMessageFrom(link, m, bytes),
    closed: (link: Link, reason: LinkCloseReason, err?: unknown): void => this.onClosed(link, reason, err),
    count: (dir: "sent" | "received", kind: MeshMessage["kind"] | "handshake"): void => {
      this.stats[dir][kind]++;
    },
  };

  private onHandshake(link: Link, info: HandshakeInfo): MeshError | null {
    if (info.version !== this.version) this.log.warn({ peer: info.name, version: info.version }, "remote node version mismatch");
    const refuse = (msg: string): MeshError => {
      const e = new MeshError("refused", msg);
      this.dials.get(link)?.reject(e);
      this.dials.delete(link);
      return e;
    };
    if (info.name === this.name) return refuse("cannot mesh dial yourself");
    const existing = this.links.get(info.name);
    if (link.role === "dialer") {
      if (existing) return refuse(`already connected to ${info.name}`);
      if (this.dials.get(link)?.solicited && !info.solicited) return refuse(`${info.name} no longer solicits`);
      return null;
    }
    if (!existing) return null;
    // A second link from a name we are linked to. If it was dialled the same way as the one we have, the
    // peer lost the old one (restart, half-open): the new one replaces it. Links that cross (we dialled
    // one, they the other, both within a handshake timeout) are a race: both ends keep the one dialled by
    // the smaller name. An older link of ours is taken as stale and replaced too.
    const crossed = existing.role === "dialer" && this.platform.clock.now() - existing.upAt < this.timeout;
    if (crossed && this.name < info.name) {
      this.probe(existing);
      return refuse(`already connected to ${info.name}`);
    }
    return null;
  }

  /** Re-sends our last MSA on a link we keep under suspicion: a dead peer shows up as an RST or timeout. */
  private probe(link: Link): void {
    if (this.lastOwnMsa) link.send(this.lastOwnMsa, () => {});
  }

  private onUp(link: Link): void {
    this.handshaking.delete(link);
    const old = this.links.get(link.name);
    this.links.set(link.name, link);
    if (old) old.close("replaced");
    this.stats.linksOpened++;
    this.log.info({ peer: link.name, role: link.role, address: link.conn.remoteAddress }, "client connected");
    const d = this.dials.get(link);
    this.dials.delete(link);
    d?.resolve(link.name);
    this.topology.setOwn(this.clients());
    this.msa();
    if (this.o.msaPolicy === "gossamer") this.catchUp(link);
  }

  /**
   * Sends a new neighbour the last MSA of every node we know (as a flood would have carried it), so it
   * learns the mesh now instead of over the next period. Ordinary MSAs on the wire: a receiver that has
   * them drops them as duplicates, one that lacks them accepts and floods them on.
   */
  private catchUp(link: Link): void {
    for (const [src, m] of this.lastMsas) {
      if (!this.topology.reported(src)) {
        this.lastMsas.delete(src); // pruned: unreachable or gone
        continue;
      }
      if (src === link.name || m.route.includes(link.name)) continue;
      link.send(m, () => {});
    }
  }

  private onClosed(link: Link, reason: LinkCloseReason, err?: unknown): void {
    this.handshaking.delete(link);
    const d = this.dials.get(link);
    if (d) {
      this.dials.delete(link);
      d.reject(new MeshError("dial", `handshake with ${link.conn.remoteAddress} failed (${reason})`, err));
    }
    if (reason === "decode") {
      this.stats.decodeErrors++;
      this.log.warn({ peer: link.name || link.conn.remoteAddress, err: (err as Error)?.message, code: (err as { code?: string })?.code }, "client sent undecodable data");
    }
    if (reason === "timeout") this.stats.ackTimeouts++;
    if (this.links.get(link.name) !== link) return;
    this.links.delete(link.name);
    this.stats.linksClosed++;
    this.log.info({ peer: link.name, reason }, "client disconnected");
    if (this.stopped) return;
    this.topology.setOwn(this.clients());
    this.solicitor.check();
    this.msa();
  }

  // ---- incoming messages ----

  private onMessageFrom(link: Link, m: Exclude<MeshMessage, { kind: "ack" }>, bytes: number): void {
    if (this.stopped || this.links.get(link.name) !== link) return;
    if (m.kind === "other") {
      this.log.warn({ peer: link.name, command: String(m.command), reason: m.reason }, "invalid message dropped");
      return;
    }
    if (m.kind === "msa") {
      if (!this.sequences.accept(m.instance, m.id, this.platform.clock.now())) {
        this.stats.msasDuplicate++;
        return;
      }
      if (!this.topology.report(m.source, m.neighbours)) this.stats.msasUnchanged++;
      const fwd: MsaMessage = { kind: "msa", source: m.source, instance: m.instance, route: [...m.route, this.name], id: m.id, neighbours: m.neighbours };
      if (m.source !== this.name) this.lastMsas.set(m.source, fwd);
      this.router.flood(fwd, true);
      return;
    }
    const route = [...m.route, this.name];
    const mine = m.recipients.includes(this.name);
    const rest = m.recipients.filter((r) => r !== this.name);
    const fwd: DataMessage = { ...m, recipients: rest, route };
    if (rest.length > 0) {
      this.refreshRoutes();
      void this.router.send(fwd, false);
    }
    if (mine) {
      this.stats.delivered++;
      this.inbox.deliver(fwd, link.name, this.platform.wallClock(), bytes);
    }
    else if (this.snoop) {
      this.stats.snooped++;
      this.snoop(fwd);
    }
  }

  // ---- periodic work, degree, solicitation ----

  private refreshRoutes(): void {
    if (!this.topology.isDirty) return;
    const t0 = this.platform.clock.now();
    const pruned = this.topology.recompute();
    this.stats.routeRecomputations++;
    this.stats.routeRecomputeMs += this.platform.clock.now() - t0;
    if (pruned.length > 0) this.log.debug({ pruned }, "removed unroutable nodes");
  }

  private scheduleMsa(): void {
    if (this.msaTimer) this.platform.clock.clearTimeout(this.msaTimer);
    this.msaTimer = this.platform.clock.setTimeout(() => {
      this.msaTimer = null;
      if (this.stopped) return;
      this.msaSchedule.periodic();
      this.stats.msasRateLimited = this.msaSchedule.limited;
      this.refreshRoutes();
      this.topology.expire();
      this.sequences.sweep(this.platform.clock.now(), this.instance);
      this.scheduleMsa();
    }, this.msaPeriod);
  }
}

export type { SendResult } from "./router.ts";
export type { MeshNodeOptions, MsaPolicyName } from "./node-options.ts";
export type { Delivery } from "./inbox.ts";
