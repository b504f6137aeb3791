package receiver

import (
	"context"
	"errors"
	"log/slog"

	"github.com/sluicedb/sluice/pipe/transfer"
	"github.com/sluicedb/sluice/status"
)

// A schema body decodes to at most schemaExpansion times its size, plus
// schemaSlack; past that it is refused as too large. The series Sluice's
// senders send, whose shortest form (a path of one-letter nodes, one tag)
// decodes to about 8 times its size, stay well within it.
const (
	schemaExpansion = 32
	schemaSlack     = 4096
)

// schema applies one batch of series schema with the sender's user's
// privileges.
func (r *Receiver) schema(ctx context.Context, body []byte) error {
	token, err := transfer.SchemaToken(body)
	if err != nil {
		return status.Errorf(status.IllegalParameter, "pipe schema: %w", err)
	}
	p, err := r.peer(ctx, token)
	if err != nil {
		return err
	}
	// The series decoded from a body take a few times its size (a short
	// path node becomes a string header): decoding may take up to
	// schemaExpansion times the body, within the payload limit, and that
	// much is held from the decoding budget with the body until applied.
	limit := min(r.maxPayload, schemaExpansion*len(body)+schemaSlack)
	need := int64(len(body) + limit)
	if err := r.memory.acquire(ctx, need); err != nil {
		return status.Errorf(status.WriteProcessReject, "pipe schema: waited for decoding memory until %v", err)
	}
	defer r.memory.release(need)
	batch, err := transfer.DecodeSchema(body, limit)
	if errors.Is(err, transfer.ErrTooLarge) {
		return status.Errorf(status.IllegalParameter, "pipe schema: %w (pipe_receiver_max_decompressed_bytes)", err)
	}
	if err != nil {
		return status.Errorf(status.IllegalParameter, "pipe schema: %w", err)
	}
	if len(batch.Series) == 0 {
		return nil
	}
	origin := batch.Origin
	if origin == "" {
		origin = p.cluster
	}
	if err := r.target.ApplySchema(ctx, p.user, batch.Series, origin); err != nil {
		r.log.Log(ctx, slog.LevelDebug, "pipe schema failed", "sender_cluster", p.cluster, "series", len(batch.Series), "err", err)
		return err
	}
	return nil
}
