// Configuration of a relay's cluster fabric membership (ServeRelayOptions.cluster). Runtime-neutral: the
// Node runtime serves it over TCP (src/node/relay-cluster.ts); clock and logger come from the platform.
// Secure by default: a fabric without a secret refuses to start unless `insecure` says so.
export interface RelayClusterOptions {
  /** Cluster listener "host:port" (port 0 picks one). */
  listen: string;
  /** Announced address "podIP:port" (HELLO); default: the bound listener address. Peers must dial this. */
  announce?: string;
  /** Static peers "host:port" (their announced addresses), redialled every 10 s while not connected. */
  peers?: string[];
  /** Headless DNS name whose A records are pods, dialled at `clusterPort`. */
  headless?: string;
  /** Port for DNS-discovered pods (default: our listener's port). */
  clusterPort?: number;
  /** Shared secret ("" or absent: unsigned cluster, which needs `insecure`). */
  secret?: string;
  /**
   * Run an unsigned fabric (no secret): any host that reaches the cluster port can then evict peers and
   * forge packets. Without a secret and without this, the fabric refuses to start.
   */
  insecure?: boolean;
  /** Peers one pod stream may announce online at once (default 100 000); more are ignored and counted. */
  maxAnnouncedPerStream?: number;
  /** Overrides (tests). */
  redialMs?: number;
  dialTimeoutMs?: number;
  helloDeadlineMs?: number;
  lookupWindowMs?: number;
  cacheTtlMs?: number;
  /** HELLO timestamps (Unix seconds); default from the platform's wall clock. */
  nowSec?: () => number;
}
