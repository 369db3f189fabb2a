// The one SQL layout of the state store's persistent storage (storage.ts describes the data model), shared
// by the Durable Object adapter (worker/sql-storage.ts, DO SQLite) and the Node adapter
// (src/node/sqlite-storage.ts, node:sqlite), so a database written by one runtime reads the same in the
// other. Statements only: each adapter runs them with its own driver, inside one transaction per commit.
//
// Tables (never change a released column; add a table or a nullable column instead):
//   gossip_rows   (kind, key) -> cursor, at, state (merge state JSON), value (visible value JSON or NULL)
//   gossip_meta   the single row id = 1: last issued cursor, oldest cursor deltas can answer from
//   gossip_cursors name -> value: small named positions kept beside the state (the agent's edge-link
//                  outbox cursor and watch cursor), written in the same database so a restart sees both.

export const SQL_CREATE_ROWS = `CREATE TABLE IF NOT EXISTS gossip_rows (kind TEXT NOT NULL, key TEXT NOT NULL, cursor INTEGER NOT NULL,
  at INTEGER NOT NULL, state TEXT NOT NULL, value TEXT, PRIMARY KEY (kind, key)) WITHOUT ROWID`;
export const SQL_CREATE_META = `CREATE TABLE IF NOT EXISTS gossip_meta (id INTEGER PRIMARY KEY CHECK (id = 1), cursor INTEGER NOT NULL,
  min_cursor INTEGER NOT NULL)`;
export const SQL_CREATE_CURSORS = `CREATE TABLE IF NOT EXISTS gossip_cursors (name TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID`;

export const SQL_SELECT_ROWS = `SELECT kind, key, cursor, at, state, value FROM gossip_rows`;
export const SQL_SELECT_META = `SELECT cursor, min_cursor FROM gossip_meta WHERE id = 1`;
export const SQL_DELETE_ROW = `DELETE FROM gossip_rows WHERE kind = ? AND key = ?`;
export const SQL_UPSERT_ROW = `INSERT OR REPLACE INTO gossip_rows (kind, key, cursor, at, state, value) VALUES (?, ?, ?, ?, ?, ?)`;
export const SQL_UPSERT_META = `INSERT OR REPLACE INTO gossip_meta (id, cursor, min_cursor) VALUES (1, ?, ?)`;
export const SQL_COUNT_ROWS = `SELECT count(*) AS n FROM gossip_rows`;
export const SQL_SELECT_CURSORS = `SELECT name, value FROM gossip_cursors`;
export const SQL_UPSERT_CURSOR = `INSERT OR REPLACE INTO gossip_cursors (name, value) VALUES (?, ?)`;

/** Row shape as SQLite returns it (both drivers). */
export interface SqlRow {
  kind: string;
  key: string;
  cursor: number;
  at: number;
  state: string;
  value: string | null;
}
