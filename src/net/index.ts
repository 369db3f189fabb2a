// Addresses, once for all of gossamer: IP literals <-> bytes (ip.ts) and "host:port" transport
// addresses (host-port.ts). Portable (no node:net); every runtime and subsystem parses addresses here.
export { IpParseError, parseIp, tryParseIp, parseCidr, maskHostBits, formatIp, ipFamily, isV4Mapped, unmapV4, formatWireIp } from "./ip.ts";
export type { IpParseErrorCode } from "./ip.ts";
export { AddressError, parseHostPort, parseListenAddress, normalizeHost, formatHostPort, hostFamily } from "./host-port.ts";
export type { HostPort } from "./host-port.ts";
export { CidrSet } from "./cidr-set.ts";
