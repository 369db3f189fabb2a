// Where solicitations go (docs/protocols/meshage.md §3). minimega sends to one address, 255.255.255.255
// by default, which Linux routes out of a single interface, so multi-NIC hosts solicit on one network
// only (minimega#1458). By default we send to the directed broadcast address of EVERY up, non-loopback
// IPv4 interface; `--broadcast` (repeatable) names the addresses instead.
import os from "node:os";

/** The directed broadcast address of an IPv4 address and netmask ("10.0.0.7", "255.255.255.0" -> "10.0.0.255"). */
export function directedBroadcast(address: string, netmask: string): string | null {
  const a = address.split(".").map(Number);
  const m = netmask.split(".").map(Number);
  if (a.length !== 4 || m.length !== 4 || [...a, ...m].some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return null;
  if (m.every((x) => x === 255)) return null; // a /32 has no broadcast address
  return a.map((x, i) => (x | (~m[i]! & 255)) & 255).join(".");
}

/** Broadcast addresses of this host's IPv4 interfaces (deduplicated); 255.255.255.255 when there are none. */
export function interfaceBroadcasts(ifaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): string[] {
  const out = new Set<string>();
  for (const list of Object.values(ifaces)) {
    for (const i of list ?? []) {
      if (i.family !== "IPv4" || i.internal) continue;
      const b = directedBroadcast(i.address, i.netmask);
      if (b) out.add(b);
    }
  }
  return out.size > 0 ? [...out].sort() : ["255.255.255.255"];
}
