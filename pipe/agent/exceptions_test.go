package agent

import (
	"fmt"
	"testing"
)

// TestRetriedErrorClearedByAnotherAgent: a pipe showing a retried error
// that another agent reported (one that died, or lost its regions) has it
// cleared by this agent's first successful transfer; any other message,
// such as a notice, is left alone.
func TestRetriedErrorClearedByAnotherAgent(t *testing.T) {
	retrying := runningPipe("retrying")
	retrying.Exception = retryingPrefix + "dial tcp 127.0.0.1:6667: connection refused"
	notice := runningPipe("notice")
	notice.Exception = "a notice of the sink"
	meta := newMeta(retrying, notice)
	r := newRegion(1, true)
	f := newFixture(t, meta, r)
	r.write(2)
	f.agent.Reconcile()
	waitFor(t, "both pipes' points sent", func() (bool, string) {
		u, d := f.sinks.sink.sent()
		return u+d == 4, fmt.Sprintf("%d sent, %d again", u, d)
	})
	waitFor(t, "the retried error cleared", func() (bool, string) {
		for _, rep := range meta.exceptions() {
			if rep.pipe == "retrying" && rep.message == "" && !rep.stop {
				return true, ""
			}
		}
		return false, fmt.Sprintf("reports %+v", meta.exceptions())
	})
	for _, rep := range meta.exceptions() {
		if rep.pipe == "notice" {
			t.Fatalf("the notice was replaced: %+v", rep)
		}
	}
}
