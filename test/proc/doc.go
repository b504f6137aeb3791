// Package proc builds the real sluice binary and runs it as child
// processes on free loopback ports for end-to-end tests: start, wait until
// the client port answers, SIGTERM, kill -9, restart on the same data dir.
//
// Standalone runs `sluice standalone`. Cluster runs ConfigNodes and
// DataNodes (`sluice confignode`, `sluice datanode`), each a Node with its
// own config file, data dir and ports, ready when it logs "<role> ready",
// and adds pausing (SIGSTOP, SIGCONT) to cut a node off as a partition
// would.
package proc
