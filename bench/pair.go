package bench

import (
	"context"
	"strconv"
	"time"

	"github.com/sluicedb/sluice/config"
)

// pair is a pipe run's sender A and receiver B: in-process nodes, or
// child processes when cfg.Procs asks for them, with the bench's own
// threads pinned next to A when the plan says so.
type pair struct {
	a, b  *node
	group *procGroup // nil for in-process nodes
	unpin func()
}

// startPair starts A and B on fresh data dirs.
func startPair(ctx context.Context, cfg Config) (*pair, error) {
	p := &pair{}
	if !cfg.Procs.children() {
		var err error
		p.a, err = startNode(ctx, func(c *config.Config) {
			if cfg.ProgressInterval > 0 {
				c.PipeProgressSnapshotIntervalMS = int(cfg.ProgressInterval / time.Millisecond)
			}
		})
		if err != nil {
			return nil, err
		}
		if p.b, err = startNode(ctx, nil); err != nil {
			p.a.Close()
			return nil, err
		}
		return p, nil
	}
	g, err := newProcGroup(cfg.Procs.Binary)
	if err != nil {
		return nil, err
	}
	p.group = g
	var senderCPUs, receiverCPUs []int
	if pin := cfg.Procs.Pin; pin != nil {
		senderCPUs, receiverCPUs = pin.Sender, pin.Receiver
	}
	extra := map[string]string{}
	if cfg.ProgressInterval > 0 {
		extra["pipe_progress_snapshot_interval_ms"] = strconv.Itoa(int(cfg.ProgressInterval / time.Millisecond))
	}
	a, err := g.standalone(ctx, "A", extra, senderCPUs)
	if err != nil {
		return nil, p.fail(ctx, err)
	}
	b, err := g.standalone(ctx, "B", nil, receiverCPUs)
	if err != nil {
		return nil, p.fail(ctx, err)
	}
	p.a = &node{dir: a.dir, port: a.rpcPort}
	p.b = &node{dir: b.dir, port: b.rpcPort}
	if senderCPUs != nil {
		if p.unpin, err = pinSelf(senderCPUs); err != nil {
			return nil, p.fail(ctx, err)
		}
	}
	return p, nil
}

// fail closes a pair that could not start and returns err with the
// children's logs.
func (p *pair) fail(ctx context.Context, err error) error {
	err = p.failed(ctx, err)
	p.Close()
	return err
}

// failed adds the children's log tails to err.
func (p *pair) failed(ctx context.Context, err error) error {
	if p.group == nil {
		return err
	}
	return p.group.failed(ctx, err)
}

// Close stops A and B, removes their data and unpins the bench.
func (p *pair) Close() {
	if p.unpin != nil {
		p.unpin()
	}
	if p.group != nil {
		p.group.Close()
		return
	}
	if p.b != nil {
		p.b.Close()
	}
	if p.a != nil {
		p.a.Close()
	}
}
