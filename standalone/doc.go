// Package standalone runs one ConfigNode and one DataNode in one process:
// Sluice's embedded default. The ConfigNode is a single-voter Raft group and
// every data region a one-replica group of the same mechanism a cluster
// uses, so a cluster adds replicas, never a second write path.
package standalone
