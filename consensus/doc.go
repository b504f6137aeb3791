// Package consensus wraps hashicorp/raft into the replicated groups Sluice
// runs: the ConfigNode group that holds cluster metadata and one group per
// data region whose log is that region's write-ahead log. It owns the Raft
// wiring (raft-boltdb log and stable store, log cache, file snapshots), the
// apply helper, and the Prometheus view of Raft.
//
// A DataNode replicates all its data regions through one port. Mux shares
// that port's listener among the node's groups: a connection dialled by a
// group's transport opens with a short header naming the group, and the
// accepting Mux hands it to the same group there. Every group of a node thus
// has the Mux's address as its raft.ServerAddress.
package consensus
