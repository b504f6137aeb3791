package agent

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: every
// task and loop the agent starts must end with its Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
