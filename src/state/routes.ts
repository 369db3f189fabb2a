// Route table of the state store: longest-prefix match over visible subnet routes and NAT entries,
// through an LPM table (src/hotpath/lpm.ts: the Wasm table in the worker, the TS twin elsewhere).
//
// Precedence (documented API):
//  1. The longest matching prefix wins.
//  2. NAT entries are host routes on their original_dst (/32 or /128). At an equal prefix (a /32 or /128
//     subnet route on the same address), the NAT entry wins: it is the more specific statement about
//     that exact destination.
//  3. Among NAT entries with the same original_dst, the newest timestamp wins, then the larger key.
//  4. Subnet records are keyed by their text (canonical address, host bits KEPT: the documented example
//     "fd15:d710:02:05:a1b2::/64" has bits past /64, and two such announcements are distinct records);
//     the LPM masks host bits, so several records can share one prefix: the newest timestamp wins, then
//     the larger machine_id, then the larger ion_id.
// A NAT entry whose original_dst is not an IP address is kept in the state but not routed.
// LPM values are slot ids (one per distinct prefix), so the table never holds more than one value per
// prefix and updates are insert/delete of single prefixes.
import type { NATEntry, SubnetRoute } from "../gossip/index.ts";
import { compareGoStrings } from "../gossip/index.ts";
import { formatIp, parseCidr, parseIp } from "../net/index.ts";
import { NO_ROUTE } from "../hotpath/index.ts";

/** The part of src/hotpath/lpm.ts's LpmTable the store uses (structurally compatible). */
export interface LpmLike {
  insert(addr: Uint8Array, prefixLen: number, value: number): void;
  delete(addr: Uint8Array, prefixLen: number): boolean;
  lookup(addr: Uint8Array): number;
  clear(): void;
}
/** Makes an empty LPM table (e.g. `createTsLpm`, or `() => createWasmLpm(module)`). */
export type LpmFactory = () => LpmLike;
export { NO_ROUTE };

export type RouteMatch =
  | { kind: "nat"; prefix: string; entry: NATEntry }
  | { kind: "subnet"; prefix: string; route: SubnetRoute };

interface Slot {
  id: number;
  addr: Uint8Array;
  len: number;
  prefix: string;
  /**
   * The subnet records filed here: most prefixes hold exactly one, kept as `oneKey`/`one`; `subnets` is
   * made when a second one arrives (and then holds them all).
   */
  oneKey: string | null;
  one: SubnetRoute | null;
  subnets: Map<string, SubnetRoute> | null;
  /** Made on first use. */
  nats: Map<string, NATEntry> | null;
  winner: RouteMatch | null;
}

/** A prefix as the route table files it: masked address bytes, length and canonical text. */
export interface MaskedPrefix {
  addr: Uint8Array;
  len: number;
  prefix: string;
}

/** The masked prefix of a prefix text ("fd15:d710:02:05:a1b2::/64" -> "fd15:d710:2:5::/64"). */
export function maskedPrefix(s: string): MaskedPrefix {
  const { addr, len } = parseCidr(s, { maskHostBits: true });
  return { addr, len, prefix: `${formatIp(addr)}/${len}` };
}

/**
 * subnetKey and maskedPrefix of a subnet text in one go (one parse when the text is canonical with no
 * host bits, the common case: then key and prefix text are the text itself). Throws IpParseError.
 */
export function subnetPrefix(s: string): { key: string; prefix: MaskedPrefix } {
  const p = maskedPrefix(s);
  const key = p.prefix === s ? s : `${formatIp(parseIp(s.slice(0, s.indexOf("/"))))}/${p.len}`;
  return { key, prefix: p };
}

/**
 * The record key of a subnet text: canonical address text with host bits kept, and the length
 * ("fd15:d710:02:05:a1b2::/64" -> "fd15:d710:2:5:a1b2::/64"). Throws IpParseError if it is not a prefix.
 */
export function subnetKey(s: string): string {
  const { len } = parseCidr(s, { maskHostBits: true });
  return `${formatIp(parseIp(s.slice(0, s.indexOf("/"))))}/${len}`;
}

function hostPrefix(ip: string): { addr: Uint8Array; len: number; prefix: string } | null {
  let addr: Uint8Array;
  try {
    addr = parseIp(ip);
  } catch {
    return null;
  }
  return { addr, len: addr.length * 8, prefix: `${formatIp(addr)}/${addr.length * 8}` };
}

function compareRoutes(a: SubnetRoute, b: SubnetRoute): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1;
  return compareGoStrings(a.machine_id, b.machine_id) || compareGoStrings(a.ion_id, b.ion_id) || compareGoStrings(a.subnet, b.subnet);
}

export class RouteIndex {
  private readonly lpm: LpmLike;
  private readonly slots = new Map<string, Slot>();
  private readonly byId: (Slot | undefined)[] = [];
  private readonly freeIds: number[] = [];
  /** Subnet record key -> its slot. */
  private readonly subnetAt = new Map<string, Slot>();
  /** NAT key -> prefix of its slot. */
  private readonly natAt = new Map<string, string>();
  private readonly unroutableKeys = new Set<string>();
  /** NAT entries kept but not routable (original_dst not an IP). */
  unroutable = 0;

  constructor(factory: LpmFactory) {
    this.lpm = factory();
  }

  get prefixes(): number {
    return this.slots.size;
  }

  /**
   * Sets (or with null removes) the route of subnet record `key` (see subnetKey); `at` is the key's
   * maskedPrefix when the caller has it already.
   */
  setSubnet(key: string, route: SubnetRoute | null, at?: MaskedPrefix | null): void {
    const old = this.subnetAt.get(key);
    if (old !== undefined) {
      if (old.subnets !== null) old.subnets.delete(key);
      else {
        old.oneKey = null;
        old.one = null;
      }
      this.subnetAt.delete(key);
      this.settle(old);
    }
    if (route === null) return;
    const mp = at ?? maskedPrefix(key);
    const slot = this.slots.get(mp.prefix) ?? this.open(mp);
    if (slot.subnets !== null) slot.subnets.set(key, route);
    else if (slot.oneKey === null) {
      slot.oneKey = key;
      slot.one = route;
    } else {
      slot.subnets = new Map([[slot.oneKey, slot.one!], [key, route]]);
      slot.oneKey = null;
      slot.one = null;
    }
    this.subnetAt.set(key, slot);
    this.settle(slot);
  }

  /** Sets (or with null removes) NAT entry `key`. */
  setNat(key: string, entry: NATEntry | null): void {
    const old = this.natAt.get(key);
    if (old !== undefined) {
      const slot = this.slots.get(old)!;
      slot.nats!.delete(key);
      this.natAt.delete(key);
      this.settle(slot);
    } else if (this.unroutableKeys.delete(key)) this.unroutable--;
    if (entry === null) return;
    const hp = hostPrefix(entry.original_dst);
    if (hp === null) {
      this.unroutableKeys.add(key);
      this.unroutable++;
      return;
    }
    const slot = this.slots.get(hp.prefix) ?? this.open(hp);
    (slot.nats ??= new Map()).set(key, entry);
    this.natAt.set(key, hp.prefix);
    this.settle(slot);
  }
  lookup(addr: Uint8Array): RouteMatch | null {
    const id = this.lpm.lookup(addr);
    return id === NO_ROUTE ? null : (this.byId[id]?.winner ?? null);
  }

  private open(p: { addr: Uint8Array; len: number; prefix: string }): Slot {
    const id = this.freeIds.pop() ?? this.byId.length;
    const slot: Slot = { id, addr: p.addr, len: p.len, prefix: p.prefix, oneKey: null, one: null, subnets: null, nats: null, winner: null };
    this.byId[id] = slot;
    this.slots.set(p.prefix, slot);
    this.lpm.insert(p.addr, p.len, id);
    return slot;
  }

  /** Recomputes a slot's winner; closes the slot when it holds nothing. */
  private settle(slot: Slot): void {
    let best: NATEntry | null = null;
    if (slot.nats !== null) {
      for (const [k, e] of slot.nats) {
        if (best === null || e.timestamp > best.timestamp || (e.timestamp === best.timestamp && compareGoStrings(k, best.key) > 0)) best = e;
      }
    }
    let sub: SubnetRoute | null = slot.one;
    if (best === null && slot.subnets !== null) {
      for (const r of slot.subnets.values()) {
        if (sub === null || compareRoutes(r, sub) > 0) sub = r;
      }
    }
    if (best !== null) slot.winner = { kind: "nat", prefix: slot.prefix, entry: best };
    else if (sub !== null) slot.winner = { kind: "subnet", prefix: slot.prefix, route: sub };
    else {
      this.lpm.delete(slot.addr, slot.len);
      this.slots.delete(slot.prefix);
      this.byId[slot.id] = undefined;
      this.freeIds.push(slot.id);
    }
  }
}
