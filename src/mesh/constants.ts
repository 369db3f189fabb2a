// meshage constants, as minimega defines them (docs/protocols/meshage.md §2–§7). One place for each.

/** TCP port for links and UDP port for solicitations (minimega's -port default). */
export const DEFAULT_PORT = 9000;
/** MSA period (minimega's -msa default, seconds). Links time out after DEADLINE_MULTIPLIER periods of silence. */
export const DEFAULT_MSA_PERIOD_MS = 10_000;
/** How long a sender waits for a hop's ACK (and a dial for its handshake) before giving up. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Read (and ACK write) deadline on a link, in MSA periods. */
export const DEADLINE_MULTIPLIER = 2;
/** Solicitation namespace default (minimega's -context). */
export const DEFAULT_NAMESPACE = "minimega";
/** A listener with more than this many clients answers a solicitation only with probability 1/SOLICIT_RATIO. */
export const SOLICIT_LIMIT = 16;
export const SOLICIT_RATIO = 8;
/** Solicitation backoff: after send k, sleep a random whole 0 .. 2^k - 1 seconds; k starts at 1, capped here. */
export const SOLICIT_BACKOFF_MAX = 7;
/** Sequence numbers at or below this are the lollipop's "stick": a restart of a sender's counter. */
export const LOLLIPOP_LENGTH = 16;
/** Messages a node holds for local delivery (minimega's RECEIVE_BUFFER). */
export const RECEIVE_BUFFER = 1024;
/** Sends queued behind the outstanding one on a link before further sends fail at once. */
export const LINK_QUEUE_LIMIT = 4096;
/** Bytes a link may have unflushed before it is treated as stalled and closed. */
export const LINK_WRITE_BUFFER_LIMIT = 32 * 1024 * 1024;
/** The solicitation datagram: `meshage:<namespace>:<name>`. */
export const SOLICIT_PREFIX = "meshage";
