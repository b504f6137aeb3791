// Package consensus wraps hashicorp/raft into the replicated groups Sluice
// runs: the ConfigNode group that holds cluster metadata and one group per
// data region whose log is that region's write-ahead log. It owns the Raft
// wiring (raft-boltdb log and stable store, log cache, file snapshots), the
// apply helper, and the Prometheus view of Raft.
package consensus
