package consensus

import (
	"bytes"
	"context"
	"log/slog"
	"strings"

	"github.com/hashicorp/go-hclog"
)

// newHCLogger routes hashicorp/raft's hclog output into slog, one record
// per line, at the level raft gave it.
func newHCLogger(logger *slog.Logger, name string) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:   "raft",
		Level:  hclog.Warn,
		Output: &slogWriter{logger: logger.With("component", "raft")},
		// The writer parses the level back out of the formatted line.
		DisableTime: true,
	})
}

type slogWriter struct{ logger *slog.Logger }

func (w *slogWriter) Write(p []byte) (int, error) {
	for _, line := range bytes.Split(bytes.TrimRight(p, "\n"), []byte("\n")) {
		msg := strings.TrimSpace(string(line))
		level := slog.LevelInfo
		switch {
		case strings.HasPrefix(msg, "[ERROR]"):
			level = slog.LevelError
		case strings.HasPrefix(msg, "[WARN]"):
			level = slog.LevelWarn
		case strings.HasPrefix(msg, "[DEBUG]"), strings.HasPrefix(msg, "[TRACE]"):
			level = slog.LevelDebug
		}
		if i := strings.IndexByte(msg, ']'); i >= 0 && strings.HasPrefix(msg, "[") {
			msg = strings.TrimSpace(msg[i+1:])
		}
		// A group that never had a leader elects one at every start: that
		// is routine, not a warning.
		if level == slog.LevelWarn && strings.Contains(msg, "starting election") && strings.HasSuffix(msg, "last-leader-id=") {
			level = slog.LevelInfo
		}
		w.logger.Log(context.Background(), level, msg)
	}
	return len(p), nil
}
