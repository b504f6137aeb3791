package quickstart

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestQuickStart runs the documentation's Quick Start and checks that B
// ends up holding the point written on A.
func TestQuickStart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := Run(ctx, &out); err != nil {
		t.Fatalf("quickstart: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{"create pipe a2b", "start pipe a2b", "INSERT INTO root.db.d(time, m) values (1, 1)",
		"|root.db.d.m|", "|        1.0|", "|a2b|", "RUNNING"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}
