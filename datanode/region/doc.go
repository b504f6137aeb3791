// Package region is a data region's replicated state machine: the schema of
// the devices the region owns and their data, changed only by commands
// applied from the region's Raft log. The log is the write-ahead log; the
// storage engine's memtable and chunks are the state, and a restart replays
// only the entries past what the engine has made durable.
package region
