// Storage seam of the gossip state store: SYNCHRONOUS on purpose, because a Durable Object's SQLite
// (`ctx.storage.sql.exec`) is synchronous and a sync interface keeps apply() atomic with no awaits.
// Implementations: MemoryStorage (here: tests, simulation, Node agent without persistence) and the
// Durable Object SQLite adapter (worker/). The store never keeps anything it has not committed here.
//
// Data model: one row per record plus one meta record.
//   row  = (kind, key) primary key; kind is "endpoint" | "nat" | "vip" | "route", key is the record key
//          (container_id, NAT key, VIP, subnet as canonical address text + "/len", host bits kept).
//          cursor INTEGER  cursor of the record's last visible change (0: never visible, e.g. a tombstone
//                          for an unknown container)
//          at     INTEGER  wall-clock ms of that change, or of the record's creation (for garbage collection)
//          state  TEXT     merge state, JSON (CrdtRecord, see merge.ts); opaque to the adapter
//          value  TEXT?    visible value as last published, JSON, or NULL (deleted/invisible)
//   meta = cursor (last issued), minCursor (deltas since a cursor < minCursor need a full resync).
// A suggested SQLite layout:
//   CREATE TABLE IF NOT EXISTS gossip_rows (kind TEXT NOT NULL, key TEXT NOT NULL, cursor INTEGER NOT NULL,
//     at INTEGER NOT NULL, state TEXT NOT NULL, value TEXT, PRIMARY KEY (kind, key)) WITHOUT ROWID;
//   CREATE TABLE IF NOT EXISTS gossip_meta (id INTEGER PRIMARY KEY CHECK (id = 1), cursor INTEGER NOT NULL,
//     min_cursor INTEGER NOT NULL);
//
// Contract:
// - load() returns exactly what the commits so far left (rows in any order, meta or null when empty).
//   Reopening a store on the same storage restores the exact state, cursor and change log.
// - commit(put, del, meta) is ATOMIC: all upserts, deletes and the meta update land together or not at
//   all (in a Durable Object: wrap the statements in `ctx.storage.transactionSync`). The store calls it
//   once per apply()/applyBatch()/sweep() that changed anything, BEFORE it returns and before it notifies
//   subscribers, so anything acknowledged (a response sent after apply returned; Durable Object output
//   gates hold the response until the write is durable) survives a restart.
// - commit throws if it cannot write; the store then leaves its in-memory state as it was (it mutates
//   copies and installs them only after commit returns) and rethrows, so memory never runs ahead of disk.
export type RecordKind = "endpoint" | "nat" | "vip" | "route";

export interface RowKey {
  kind: RecordKind;
  key: string;
}

export interface StoredRow extends RowKey {
  cursor: number;
  at: number;
  state: string;
  value: string | null;
}

export interface StoredMeta {
  cursor: number;
  minCursor: number;
}

export interface StateStorage {
  load(): { rows: Iterable<StoredRow>; meta: StoredMeta | null };
  commit(put: readonly StoredRow[], del: readonly RowKey[], meta: StoredMeta): void;
}

/** In-memory storage. Rows are copied in and out, so it behaves like a real store (no aliasing). */
export class MemoryStorage implements StateStorage {
  private readonly rows = new Map<string, StoredRow>();
  private meta: StoredMeta | null = null;
  /** Number of commits so far (tests assert rejected input commits nothing). */
  commits = 0;

  load(): { rows: Iterable<StoredRow>; meta: StoredMeta | null } {
    return { rows: [...this.rows.values()].map((r) => ({ ...r })), meta: this.meta && { ...this.meta } };
  }

  commit(put: readonly StoredRow[], del: readonly RowKey[], meta: StoredMeta): void {
    for (const d of del) this.rows.delete(`${d.kind}\u0000${d.key}`);
    for (const r of put) this.rows.set(`${r.kind}\u0000${r.key}`, { ...r });
    this.meta = { ...meta };
    this.commits++;
  }

  /** Number of stored rows. */
  get size(): number {
    return this.rows.size;
  }
}
