// Storage seam of the gossip state store (src/state/), part of the platform: each runtime's
// StorageFactory opens StateStorage by name. SYNCHRONOUS on purpose, because a Durable Object's SQLite
// (`ctx.storage.sql.exec`) is synchronous and a sync interface keeps apply() atomic with no awaits.
// Implementations: MemoryStorage (here: tests, simulation, Node agent without persistence), the
// Durable Object SQLite adapter (worker/sql-storage.ts) and the node:sqlite adapter
// (src/node/sqlite-storage.ts), both on the one SQL layout of src/state/sql.ts, each with its
// StorageFactory for the runtime's platform. The store never keeps anything it has not committed here.
// test/state/storage-conformance.ts checks every implementation the same way.
//
// Data model: one row per record plus one meta record.
//   row  = (kind, key) primary key; kind is "endpoint" | "nat" | "vip" | "route", key is the record key
//          (container_id, NAT key, VIP, subnet as canonical address text + "/len", host bits kept).
//          cursor INTEGER  cursor of the record's last change of what it gossips: its visible value, or
//                          its tombstone while invisible (0: none, e.g. a NAT entry that arrived expired)
//          at     INTEGER  wall-clock ms of that change, or of the record's creation (for garbage collection)
//          state  TEXT     merge state (CrdtRecord, see merge.ts), compact JSON text; opaque to the adapter
//          value  TEXT?    visible value as last published: NULL (deleted/invisible), '' (derived from
//                          the state) or JSON; opaque to the adapter. Formats of both: rowcodec.ts
//   meta = cursor (last issued), minCursor (deltas since a cursor < minCursor need a full resync).
// The SQLite layout: sql.ts.
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

/**
 * Small named positions kept beside the state (the agent's edge-link cursors), in the same storage so a
 * restart finds them with the rows. save() is durable when it returns; values are opaque text.
 */
export interface CursorStorage {
  loadCursors(): Map<string, string>;
  saveCursor(name: string, value: string): void;
}

const KINDS: ReadonlySet<string> = new Set(["endpoint", "nat", "vip", "route"]);

/** Throws StateStorageError-like TypeError when a row would not fit the SQL layout (sql.ts). */
export function checkRow(r: StoredRow): void {
  if (!KINDS.has(r.kind) || typeof r.key !== "string" || typeof r.state !== "string" || (r.value !== null && typeof r.value !== "string")) {
    throw new TypeError(`row ${JSON.stringify(r.kind)}/${JSON.stringify(r.key)} does not fit the storage layout`);
  }
  if (!Number.isSafeInteger(r.cursor) || !Number.isSafeInteger(r.at)) throw new TypeError(`row ${JSON.stringify(r.key)}: cursor and at must be safe integers`);
}

/**
 * In-memory storage. Rows are copied in and out, so it behaves like a real store (no aliasing); a commit
 * with a row that would not fit the SQL layout throws before changing anything, like the SQL adapters.
 */
export class MemoryStorage implements StateStorage, CursorStorage {
  /** Rows by kind, then key. */
  private readonly rows = new Map<RecordKind, Map<string, StoredRow>>();
  private readonly cursors = new Map<string, string>();
  private meta: StoredMeta | null = null;
  /** Number of commits so far (tests assert rejected input commits nothing). */
  commits = 0;

  load(): { rows: Iterable<StoredRow>; meta: StoredMeta | null } {
    const rows: StoredRow[] = [];
    for (const m of this.rows.values()) for (const r of m.values()) rows.push({ ...r });
    return { rows, meta: this.meta && { ...this.meta } };
  }

  commit(put: readonly StoredRow[], del: readonly RowKey[], meta: StoredMeta): void {
    for (const r of put) checkRow(r);
    if (!Number.isSafeInteger(meta.cursor) || !Number.isSafeInteger(meta.minCursor)) throw new TypeError("meta cursors must be safe integers");
    for (const d of del) this.rows.get(d.kind)?.delete(d.key);
    // Rows handed to commit belong to the storage from then on (the store builds them fresh per commit and
    // never touches them again), so they are kept as they are; load() hands out copies.
    for (const r of put) {
      let m = this.rows.get(r.kind);
      if (m === undefined) this.rows.set(r.kind, (m = new Map()));
      m.set(r.key, r);
    }
    this.meta = { ...meta };
    this.commits++;
  }

  loadCursors(): Map<string, string> {
    return new Map(this.cursors);
  }

  saveCursor(name: string, value: string): void {
    this.cursors.set(name, value);
  }

  /** Number of stored rows. */
  get size(): number {
    let n = 0;
    for (const m of this.rows.values()) n += m.size;
    return n;
  }
}

/** The name of the gossip state store's storage: the one SQL layout (gossip_* tables, src/state/sql.ts). */
export const STATE_STORAGE_NAME = "gossip";

/**
 * Opens the state storage of a runtime's platform (memory, a node:sqlite file, or a Durable Object's
 * SQLite). Opening the same name again returns storage over the same data (a restart keeps it). The SQL
 * factories hold one layout, STATE_STORAGE_NAME; the memory factory takes any name (simulations run
 * several stores on one platform).
 */
export interface StorageFactory {
  readonly kind: "memory" | "node-sqlite" | "durable-object";
  open(name: string): StateStorage & CursorStorage;
}

/** Storage names: lowercase letters, digits and "_", starting with a letter. */
export const STORAGE_NAME = /^[a-z][a-z0-9_]{0,31}$/;

/** Throws unless `name` is a storage name a factory holding only `allowed` can open. */
export function checkStorageName(name: string, allowed?: string): void {
  if (!STORAGE_NAME.test(name)) throw new TypeError(`bad storage name ${JSON.stringify(name)}`);
  if (allowed !== undefined && name !== allowed) throw new TypeError(`this storage holds only ${JSON.stringify(allowed)}, not ${JSON.stringify(name)}`);
}

/** In-memory storages by name: reopening a name returns the same storage (a "restart" keeps its data). */
export function memoryStorageFactory(): StorageFactory {
  const opened = new Map<string, MemoryStorage>();
  return {
    kind: "memory",
    open(name: string): StateStorage & CursorStorage {
      checkStorageName(name);
      let s = opened.get(name);
      if (!s) opened.set(name, (s = new MemoryStorage()));
      return s;
    },
  };
}
