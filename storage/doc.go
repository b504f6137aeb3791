// Package storage is the on-disk time-series store of a DataNode.
//
// One Engine wraps one pebble database that holds many data regions as key
// prefixes. A Region is the state machine side of a replicated data region:
// its Raft log is the write-ahead log, so the engine keeps incoming points in
// a memtable per region and, when it grows past Config.MemtableBytes, encodes
// them into compressed chunks (package storage/encoding) that it writes to
// pebble together with the region's durable index in one synced batch.
// DurableIndex tells the log owner where to replay from after a restart.
//
// Reads go through a View, a consistent cut of a region as of the last write:
// a pebble snapshot plus the memtables' slice headers. Scans merge memtables
// and chunks; for equal timestamps the latest write wins.
//
// docs/storage.md describes the design and the reasons behind it.
package storage
