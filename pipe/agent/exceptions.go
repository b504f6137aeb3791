package agent

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/pipe/sink"
)

// reportTimeout bounds one exception report to the ConfigNodes.
const reportTimeout = 10 * time.Second

// retryingPrefix starts the ExceptionMessage of a pipe whose transfers
// are being retried.
const retryingPrefix = confignode.RetryingPrefix

// fail stops the pipe of k (its name, creation and revision) with err as
// its exception message, unless the pipe has changed since.
func (a *Agent) fail(k taskKey, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), reportTimeout)
	defer cancel()
	if rerr := a.meta.FailPipe(ctx, k.pipe, k.created, k.revision, err.Error()); rerr != nil {
		a.logger.Error("cannot stop failed pipe", "pipe", k.pipe, "err", err, "report_err", rerr)
	}
	a.logger.Warn("pipe stopped", "pipe", k.pipe, "revision", k.revision, "err", err)
}

// reportLock is the lock that orders pipe name's transient-error writes.
func (a *Agent) reportLock(name string) *sync.Mutex {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.reporting[name]
	if l == nil {
		l = &sync.Mutex{}
		a.reporting[name] = l
	}
	return l
}

// transient records a retried error for SHOW PIPES, at most once a second.
func (a *Agent) transient(name string, err error) {
	rl := a.reportLock(name)
	rl.Lock()
	defer rl.Unlock()
	a.mu.Lock()
	if time.Since(a.lastErr[name]) < time.Second {
		a.mu.Unlock()
		return
	}
	a.lastErr[name] = time.Now()
	a.retrying[name] = true
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), reportTimeout)
	defer cancel()
	msg := retryingPrefix + err.Error()
	if rerr := a.meta.ReportPipeException(ctx, name, msg, false); rerr != nil && !errors.Is(rerr, context.Canceled) {
		a.logger.Warn("report pipe error", "pipe", name, "err", rerr)
	}
}

// adoptRetrying makes this agent the one to clear the retried error p
// shows, at its first successful transfer: the agent that reported it may
// have died or lost its regions, and the message would otherwise stay on
// after the pipe recovered. An agent whose transfers still fail shows it
// again within a second.
func (a *Agent) adoptRetrying(p *confignode.Pipe) {
	if !strings.HasPrefix(p.Exception, retryingPrefix) {
		return
	}
	a.mu.Lock()
	a.retrying[p.Name] = true
	a.mu.Unlock()
}

// recovered clears a pipe's shown transient error once transfers succeed
// again.
func (a *Agent) recovered(name string) {
	rl := a.reportLock(name)
	rl.Lock()
	defer rl.Unlock()
	a.mu.Lock()
	was := a.retrying[name]
	delete(a.retrying, name)
	a.mu.Unlock()
	if !was {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), reportTimeout)
	defer cancel()
	if err := a.meta.ReportPipeException(ctx, name, "", false); err != nil {
		a.logger.Warn("clear pipe error", "pipe", name, "err", err)
	}
}

// stalled hears from the watchdog that a transfer of task key has had no
// answer for a while: it counts as a sink error and a retry, and the pipe
// shows it as retrying until a transfer succeeds again. The transfer
// itself waits on up to pipe_sink_timeout_ms.
func (a *Agent) stalled(key taskKey, err *sink.StallError) {
	a.mu.Lock()
	if a.tasks[key] == nil {
		a.mu.Unlock()
		return // stopped meanwhile: its series are gone
	}
	st := a.statsOf(key)
	st.retries++
	st.exception = retryingPrefix + err.Error()
	// Counted under the lock that saw the task running: its series are
	// forgotten only after it has left the table.
	a.metrics.sinkError(key.pipe, key.region)
	a.metrics.retried(key.pipe, key.region)
	a.mu.Unlock()
	a.logger.Warn("pipe sink not answering", "pipe", key.pipe, "region", key.region, "target", err.Target, "waited", err.Waited)
	a.transient(key.pipe, err)
}

// QueueException has msg shown as the pipe's ExceptionMessage at the
// agent's next round; it does not block.
func (a *Agent) QueueException(name, msg string) {
	a.mu.Lock()
	a.notices[name] = msg
	a.mu.Unlock()
}

// reportNotices commits the queued exception messages. They stay shown
// until another error replaces them or the pipe is started again.
func (a *Agent) reportNotices() {
	a.mu.Lock()
	notices := a.notices
	a.notices = map[string]string{}
	a.mu.Unlock()
	for name, msg := range notices {
		ctx, cancel := context.WithTimeout(context.Background(), reportTimeout)
		if err := a.meta.ReportPipeException(ctx, name, msg, false); err != nil {
			a.logger.Warn("report pipe notice", "pipe", name, "err", err)
		}
		cancel()
	}
}

// forgetDropped forgets the transient-error bookkeeping of pipes that are
// not in pipes.
func (a *Agent) forgetDropped(pipes []confignode.Pipe) {
	names := make(map[string]bool, len(pipes))
	for _, p := range pipes {
		names[p.Name] = true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for name := range a.lastErr {
		if !names[name] {
			delete(a.lastErr, name)
			delete(a.retrying, name)
			delete(a.reporting, name)
		}
	}
}
