// Package datanode is a Sluice DataNode: it opens the data regions placed on
// it (each a Raft group over the storage engine), routes writes and reads to
// them, executes client statements, and serves IoTDB's client protocol.
package datanode
