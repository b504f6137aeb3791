package telemetry

import (
	"io"
	"log/slog"
)

// NewLogger returns a text slog logger writing to w at level, with the
// node's id on every line.
func NewLogger(w io.Writer, level slog.Level, nodeID string) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})).With("node", nodeID)
}
