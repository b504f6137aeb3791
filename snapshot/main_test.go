package snapshot

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: the
// periodic commits must end with Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
