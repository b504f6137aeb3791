// Package agent is the pipe control plane of a DataNode: it runs one task
// per (RUNNING pipe, region this node leads and serves), starts and stops
// them as the metadata and leadership change, keeps their statistics and
// metrics, and reports their errors to the ConfigNodes (a transient error
// shown while it is retried, a fatal one stopping the pipe).
//
// Progress is kept by a snapshot.Frontiers: tasks record their frontiers
// there and resume from it. The agent reaches the metadata, the hosted
// regions and the sinks only through the small interfaces it declares.
package agent
