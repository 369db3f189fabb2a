// "host:port" transport addresses, the one parser and printer for every runtime and subsystem: IPv6
// hosts are bracketed ("[::1]:7946"), hosts may be names. Guards the one normalisation every path needs:
// IPv4-mapped IPv6 hosts ("::ffff:1.2.3.4", as a dual-stack socket reports them) become plain IPv4, so a
// peer has one address whichever socket saw it.
import { GossamerError } from "../util/index.ts";
import { ipFamily } from "./ip.ts";

export class AddressError extends GossamerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("address_invalid", message, options);
  }
}

export interface HostPort {
  host: string;
  port: number;
}

/**
 * Parses "host:port", "[v6]:port" or a bare host (then `defaultPort`; a bare IPv6 literal has no port).
 * Throws AddressError for a missing host, a missing port without default, or a port outside 0..65535.
 */
export function parseHostPort(s: string, defaultPort?: number): HostPort {
  const str = s.trim();
  let host: string;
  let portStr: string | undefined;
  if (str.startsWith("[")) {
    const end = str.indexOf("]");
    if (end < 0) throw new AddressError(`unterminated '[' in address ${JSON.stringify(s)}`);
    host = str.slice(1, end);
    const rest = str.slice(end + 1);
    if (rest !== "" && !rest.startsWith(":")) throw new AddressError(`bad address ${JSON.stringify(s)}`);
    portStr = rest === "" ? undefined : rest.slice(1);
  } else {
    const colons = str.split(":").length - 1;
    if (colons === 1) {
      const i = str.lastIndexOf(":");
      host = str.slice(0, i);
      portStr = str.slice(i + 1);
    } else {
      host = str; // bare IPv4/name, or a bare IPv6 literal without port
      portStr = undefined;
    }
  }
  if (host === "") throw new AddressError(`missing host in address ${JSON.stringify(s)}`);
  let port: number;
  if (portStr === undefined) {
    if (defaultPort === undefined) throw new AddressError(`missing port in address ${JSON.stringify(s)}`);
    port = defaultPort;
  } else {
    if (!/^\d{1,5}$/.test(portStr)) throw new AddressError(`bad port in address ${JSON.stringify(s)}`);
    port = Number(portStr);
    if (port > 65535) throw new AddressError(`port out of range in address ${JSON.stringify(s)}`);
  }
  return { host: normalizeHost(host), port };
}

/**
 * A listen address: "host:port" or ":port" (all IPv4 interfaces, 0.0.0.0). The port is required (0 picks
 * a free one).
 */
export function parseListenAddress(s: string): HostPort {
  const str = s.trim();
  if (/^:\d{1,5}$/.test(str)) return parseHostPort(`0.0.0.0${str}`);
  if (!/:\d{1,5}$/.test(str)) throw new AddressError(`bad listen address ${JSON.stringify(s)} (want host:port)`);
  return parseHostPort(str);
}

const MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** "::ffff:1.2.3.4" -> "1.2.3.4"; other hosts unchanged (IPv6 zone ids kept). */
export function normalizeHost(host: string): string {
  if (host.charCodeAt(0) !== 58) return host; // not ":..." (the simulation formats millions of addresses)
  const m = MAPPED.exec(host);
  return m ? m[1]! : host;
}

/** "host:port", IPv6 hosts bracketed, mapped IPv4 hosts reduced (normalizeHost). */
export function formatHostPort(host: string, port: number): string {
  const h = normalizeHost(host);
  return h.includes(":") && !h.startsWith("[") ? `[${h}]:${port}` : `${h}:${port}`;
}

/** Address family of a literal host: 4, 6, or 0 for a name. */
export function hostFamily(host: string): 0 | 4 | 6 {
  return ipFamily(host);
}
