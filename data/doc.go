// Package data owns CamsDesk's database: the gorm models, the versioned migrations and the Store.
//
// The Store keeps one writer connection and a pool of read-only connections. Every write goes
// through the writer (Apply, EnsureDevice, AddExchange, ...); every screen query runs on the
// reader pool, is paged, and never loads a whole table. Times are stored in UTC; date filters
// apply to the device-local date (local_date).
//
// # PostgreSQL
//
// Open takes a SQLite file path (the default, cams_data.db in the data dir) or a PostgreSQL URL,
// postgres://user:password@host:5432/dbname?sslmode=require. The database must exist; Open
// creates the tables in the first schema of the search_path (a search_path=name parameter in
// the URL picks another). Every query, upsert and migration is the same SQL on both.
//
// On PostgreSQL the writer is a small pool: several programs (camsd and the desktop app) may
// share one database. Migrations take an advisory lock so that one runs at a time; Apply takes
// one per device so that writes of one device never deadlock, and runs a transaction again if
// it loses a deadlock anyway. Readers are read-only sessions. Time columns are timestamptz and
// come back in UTC. Reads are planned for their own values (pgx's cache_describe mode), writes
// use prepared statements; a default_query_exec_mode parameter in the URL (e.g. exec, for a
// connection pooler) sets both. Errors and Path name the database with its password
// masked (MaskDSN).
//
// Text search resolves the text on the small tables first (user ids and names by LOWER(column) LIKE
// LOWER(pattern), known punch and input types by part), then selects punches by those keys, never by a
// LIKE over every punch (PunchFilter.Text). ASCII letters match in any case; other
// letters do where the database's LOWER folds them (PostgreSQL with a UTF-8 locale does, SQLite
// and the C locale do not). Ordering by text follows the database's collation.
//
// The tests run on both: package datatest hands out fresh databases, and scripts/pgtest.sh
// runs a throw-away PostgreSQL for make test.
package data
