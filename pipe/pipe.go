package pipe

import (
	"context"
	"errors"

	"github.com/sluicedb/sluice/model"
)

// ErrFatal marks a failure that retrying cannot fix (credentials refused, a
// type conflict at the receiver, a sink pointing at its own cluster). A task
// that meets one stops its pipe with the error as ExceptionMessage; any
// other error is transient and retried with backoff.
var ErrFatal = errors.New("unrecoverable pipe error")

// Batch is what a sink transfers: writes of one origin, in write order,
// and the schema of series they need.
type Batch struct {
	// Origin is the id of the cluster where the writes first happened. The
	// receiver records it with the writes so that no pipe sends them back
	// there.
	Origin string
	// Tablets are the writes.
	Tablets []*model.Tablet
	// Schema, set when the pipe's source includes series schema
	// (source.inclusion), are series as they stand at the source, with
	// their type, encoding, compressor, alias, tags and attributes. A sink
	// that carries schema applies them before Tablets: the receiver
	// creates each series it lacks and brings the alias, tags and
	// attributes of one it has in line. Sinks toward targets that cannot
	// take them leave them out.
	Schema []model.Series
}

// Points is the number of non-null values in the batch.
func (b *Batch) Points() int {
	n := 0
	for _, t := range b.Tablets {
		n += t.Points()
	}
	return n
}

// Sink sends batches to a target. One instance may be shared by several
// pipes whose sink attributes are identical; it is safe for concurrent use.
type Sink interface {
	// Transfer returns nil once the target has durably applied the batch.
	// Errors wrapping ErrFatal are unrecoverable; others are transient.
	Transfer(ctx context.Context, b *Batch) error
	// TargetClusterID is the target's cluster id, learned at handshake
	// (empty for sinks that have no cluster behind them, or before the
	// first successful handshake).
	TargetClusterID() string
	// InFlight is how many transfers one task may have outstanding: 1 for
	// sinks that must apply in write order, more for parallel sinks.
	InFlight() int
	// Close releases connections. It is idempotent.
	Close() error
}
