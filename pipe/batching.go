package pipe

import "time"

// Batching is how a pipe task holds the writes it reads from a region's
// log before transferring them: IoTDB's sink.batch.enable,
// sink.batch.max-delay-seconds and sink.batch.size-bytes.
type Batching struct {
	// Enabled holds writes until SizeBytes or MaxDelay is reached;
	// disabled, each run of log entries read is transferred at once.
	Enabled bool
	// MaxDelay is how long the oldest held write may wait.
	MaxDelay time.Duration
	// SizeBytes sends the held writes once their tablets take this many
	// bytes (uncompressed: 8 per timestamp and per INT64 or DOUBLE value,
	// 4 per INT32 or FLOAT, 1 per BOOLEAN, a TEXT value's length plus 4).
	SizeBytes int
}

// The defaults of the batch parameters: IoTDB 1.3's delay and size for
// tablets, but batching off, where IoTDB has it on. A task keeps several
// transfers in flight, so under load each transfer already carries every
// write applied while the previous ones were answered; holding writes for a
// delay gains no throughput (measured on loopback, docs/benchmarks.md) and
// costs every write up to the delay of latency.
const (
	DefaultBatchEnabled   = false
	DefaultBatchMaxDelay  = time.Second
	DefaultBatchSizeBytes = 16 << 20
)

// Batcher is implemented by sinks whose attributes set Batching; a task
// whose sink is not one transfers at once.
type Batcher interface {
	Batching() Batching
}
