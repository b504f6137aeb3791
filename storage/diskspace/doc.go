// Package diskspace tells whether a directory's file system has room for
// more writes, so that a node refuses writes while it still has the space
// its storage needs to stay consistent, instead of running out.
//
// Pebble cannot survive every failed write: it panics when it cannot
// rotate its write-ahead log, which a full disk makes it do at the next
// memtable flush. Sluice therefore never lets the disk fill: client
// writes and pipe transfers are refused below a Reserve (status
// DiskSpaceInsufficient, "disk full: ... free space on <dir>"), and the
// storage engine's own writes (memtable flushes, metadata) below a
// smaller floor, which leaves pebble room to rotate its log, flush and
// compact. Nothing is lost meanwhile: a refused write was never
// acknowledged, and what a flush could not write stays in memory and in
// the Raft log until space returns. Both checks read the file system's
// free space afresh each time (one statfs call), so writes succeed again
// as soon as space is freed, with no restart.
package diskspace
