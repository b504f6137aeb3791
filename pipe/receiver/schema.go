package receiver

import (
	"context"
	"errors"
	"log/slog"

	"github.com/sluicedb/sluice/pipe/transfer"
	"github.com/sluicedb/sluice/status"
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
	// The body is held while decoding; the series take at most as much
	// again (the limit bounds both).
	need := 2 * int64(min(len(body), r.maxPayload))
	if err := r.memory.acquire(ctx, need); err != nil {
		return status.Errorf(status.WriteProcessReject, "pipe schema: waited for decoding memory until %v", err)
	}
	defer r.memory.release(need)
	batch, err := transfer.DecodeSchema(body, r.maxPayload)
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
