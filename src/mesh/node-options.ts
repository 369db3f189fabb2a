// Options of a mesh node, their defaults (minimega's where it has one) and their validation.
import type { Random } from "../util/index.ts";
import { DEFAULT_MSA_PERIOD_MS, DEFAULT_NAMESPACE, DEFAULT_PORT, DEFAULT_TIMEOUT_MS, RECEIVE_BUFFER } from "./constants.ts";
import { MeshError } from "./errors.ts";
import type { GobLimits } from "./gob/index.ts";

export type MsaPolicyName = "gossamer" | "minimega";

export interface MeshNodeOptions {
  name: string;
  namespace?: string;
  degree?: number;
  /** The mesh port (shown in status; the transport dials and listens on it). A function is read live. */
  port?: number | (() => number);
  msaPeriodMs?: number;
  timeoutMs?: number;
  /** Version string sent in the handshake (a mismatch only logs a warning on either side). */
  version?: string;
  /** Random per start unless given (pinning it makes restarts reuse sequence numbers). */
  instance?: bigint;
  limits?: Partial<GobLimits>;
  /**
   * How MSAs are originated and shared. "gossamer" (default): changes are coalesced and never dropped by
   * the rate limit (msa-schedule.ts), and a new link is sent the MSAs we hold (catch-up) so a joining
   * node knows the mesh at once. "minimega": MSAs inside period/2 of the last are dropped; no catch-up.
   * Both are the same on the wire and both originate at most 2 MSAs per period.
   */
  msaPolicy?: MsaPolicyName;
  /** Fail sends at once when their link closes (true) or wait out the timeout as minimega does (false). */
  failFast?: boolean;
  /** Accept same-Instance counter restarts without waiting out the lollipop (true) or not (minimega). */
  quickRestart?: boolean;
  /** Answer solicitations by dialling the datagram's source address (true) or the announced name. */
  dialSolicitorAddress?: boolean;
  /** Messages kept for late subscribers (and replay by sequence number). */
  receiveBuffer?: number;
}

export interface ResolvedOptions {
  name: string;
  namespace: string;
  port: () => number;
  version: string;
  degree: number;
  msaPeriodMs: number;
  timeoutMs: number;
  instance: bigint;
  msaPolicy: MsaPolicyName;
  failFast: boolean;
  quickRestart: boolean;
  dialSolicitorAddress: boolean;
  receiveBuffer: number;
  limits: Partial<GobLimits>;
}

/** Defaults applied; a random 64-bit Instance drawn unless one is given. Names may not contain ':'. */
export function resolveOptions(o: MeshNodeOptions, random: Random): ResolvedOptions {
  if (!o.name || o.name.includes(":")) throw new MeshError("bad-target", `invalid node name ${JSON.stringify(o.name)}`);
  const port = o.port ?? DEFAULT_PORT;
  const word = () => BigInt(Math.floor(random.next() * 2 ** 32));
  return {
    name: o.name,
    namespace: o.namespace ?? DEFAULT_NAMESPACE,
    port: typeof port === "function" ? port : () => port,
    version: o.version ?? "gossamer",
    degree: o.degree ?? 0,
    msaPeriodMs: o.msaPeriodMs ?? DEFAULT_MSA_PERIOD_MS,
    timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    instance: o.instance ?? (word() << 32n) | word(),
    msaPolicy: o.msaPolicy ?? "gossamer",
    failFast: o.failFast ?? true,
    quickRestart: o.quickRestart ?? true,
    dialSolicitorAddress: o.dialSolicitorAddress ?? true,
    receiveBuffer: o.receiveBuffer ?? RECEIVE_BUFFER,
    limits: o.limits ?? {},
  };
}
