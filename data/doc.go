// Package data owns CamsDesk's database: the gorm models, the versioned migrations and the Store.
//
// The Store keeps one writer connection and a pool of read-only connections. Every write goes
// through the writer (Apply, EnsureDevice, AddExchange, ...); every screen query runs on the
// reader pool, is paged, and never loads a whole table. Times are stored in UTC; date filters
// apply to the device-local date (local_date).
package data
