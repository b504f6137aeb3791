// Package bench measures Sluice through the IoTDB client protocol, as a
// user's application would see it: ingest throughput of tablets, bytes on
// disk per point, and aggregate query latency. `sluice bench` runs it.
package bench
