package datanode

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe for the nodes' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDefaultRootPasswordWarning(t *testing.T) {
	dir := t.TempDir()
	var logs syncBuffer
	n := startNodeLogging(t, dir, slog.New(slog.NewTextHandler(&logs, nil)))
	if !strings.Contains(logs.String(), "root still has the default password") {
		t.Fatalf("no warning about root's default password in:\n%s", logs.String())
	}
	if err := n.dn.meta.SetPassword(context.Background(), "root", "Changed-1"); err != nil {
		t.Fatal(err)
	}
	n.close()

	var after syncBuffer
	startNodeLogging(t, dir, slog.New(slog.NewTextHandler(&after, nil)))
	if strings.Contains(after.String(), "default password") {
		t.Fatalf("warned after the password was changed:\n%s", after.String())
	}
	if !strings.Contains(after.String(), "datanode ready") {
		t.Fatalf("the restarted node did not log its start:\n%s", after.String())
	}
}
