// Package bench measures Sluice through the IoTDB client protocol, as a
// user's application would see it: ingest throughput of tablets, bytes on
// disk per point, and aggregate query latency. `sluice bench` runs it.
//
// Compare measures sync A -> B through a pipe over several sizes and kinds
// of values (RunPipe), each next to PostgreSQL 15 logical replication on
// the same rows (RunPostgres), with the bytes each puts on the wire (a
// counting Relay), and reports them as a table, JSON and an SVG chart.
// RunPipeCost measures what a pipe costs the sender's ingest, and
// RunClusterPipe a pipe out of a 3+3 cluster; their servers run as child
// processes, pinned to cores when asked (PostgreSQL's too). Every pipe
// mode reports in one Report schema (CostReport, ClusterReport).
package bench
