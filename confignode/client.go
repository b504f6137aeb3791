package confignode

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/sluicedb/sluice/certs"
	"github.com/sluicedb/sluice/proto/clusterpb"
	"github.com/sluicedb/sluice/seal"
	"github.com/sluicedb/sluice/status"
)

// Client is a DataNode's link to the ConfigNodes: it keeps a copy of the
// metadata state, refreshed by long polls, commits changes through any
// ConfigNode (which forwards them to the leader), and carries registration
// and heartbeats. Its Meta methods read the copy and wait, after each
// change, until the copy reflects it.
type Client struct {
	*Meta
	cell   stateCell
	peers  *peers
	key    *seal.Key // opens the password hashes of the metadata
	logger *slog.Logger

	mu    sync.Mutex
	addrs []string // seeds first, then ConfigNodes learned from heartbeats
	next  int      // index in addrs of the ConfigNode to try first

	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// NewClient returns a client of the ConfigNodes reachable through seeds
// (host:port of cn_internal_port). Start fetches the state.
func NewClient(seeds []string, src *certs.Source, key *seal.Key, logger *slog.Logger) *Client {
	c := &Client{cell: stateCell{state: newState(), changed: make(chan struct{})}, peers: newPeers(src), key: key,
		logger: logger.With("component", "confignode-client"), addrs: append([]string(nil), seeds...), stop: make(chan struct{})}
	c.Meta = &Meta{commit: c.commit, read: c.cell.read, wait: c.cell.waitIndex}
	return c
}

// Start fetches the metadata state, waiting (and saying so) until a
// ConfigNode answers or ctx ends, then keeps the copy fresh.
func (c *Client) Start(ctx context.Context) error {
	if err := c.refresh(ctx, 0, 0); err != nil {
		return err
	}
	c.wg.Add(1)
	go c.watch()
	return nil
}

// Close stops the refreshes and closes connections. It is idempotent.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		close(c.stop)
		c.wg.Wait()
		c.peers.close()
	})
	return nil
}

// watch long-polls for newer states until Close.
func (c *Client) watch() {
	defer c.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-c.stop
		cancel()
	}()
	for ctx.Err() == nil {
		var index uint64
		c.cell.read(func(s *State) { index = s.Index })
		if err := c.refresh(ctx, index+1, 10*time.Second); err != nil && ctx.Err() == nil {
			c.logger.Warn("metadata refresh failed", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

// refresh fetches the state once it reaches minIndex (waiting up to wait).
func (c *Client) refresh(ctx context.Context, minIndex uint64, wait time.Duration) error {
	return c.call(ctx, "fetch the metadata", func(ctx context.Context, cl clusterpb.ConfigNodeClient) error {
		ctx, cancel := context.WithTimeout(ctx, wait+5*time.Second)
		defer cancel()
		r, err := cl.State(ctx, &clusterpb.StateRequest{MinIndex: minIndex, WaitMs: uint32(wait / time.Millisecond)})
		if err != nil {
			return unreachable(err)
		}
		if err := r.Status.Err(); err != nil {
			return err
		}
		st := newState()
		if err := json.Unmarshal(r.State, st); err != nil {
			return fmt.Errorf("decode metadata state: %w", err)
		}
		st.fill()
		// The ConfigNodes seal the password hashes with the cluster key.
		if st.Auth, err = st.Auth.WithHashes(c.key.Open); err != nil {
			return status.Errorf(status.RejectNodeStart, "metadata from the ConfigNodes: %w", err)
		}
		var have string
		c.cell.read(func(s *State) { have = s.ClusterID })
		if have != "" && st.ClusterID != have {
			return status.Errorf(status.RejectNodeStart, "ConfigNode answered with the metadata of cluster %s, but this node belongs to cluster %s", st.ClusterID, have)
		}
		c.cell.replace(st)
		return nil
	})
}

// call runs fn against a ConfigNode, moving on to the next one when a node
// cannot be reached, until fn succeeds, fails for good, or ctx ends.
func (c *Client) call(ctx context.Context, what string, fn func(context.Context, clusterpb.ConfigNodeClient) error) error {
	return c.callWithin(ctx, what, 0, fn)
}

// requestBudget bounds how long a request on behalf of a client waits for
// the ConfigNodes to have a leader: without a quorum a statement fails
// rather than hang.
const requestBudget = leaderChangeBudget + 5*time.Second

// callWithin is call that gives up after budget (0: never) with the last
// failure's status code.
func (c *Client) callWithin(ctx context.Context, what string, budget time.Duration, fn func(context.Context, clusterpb.ConfigNodeClient) error) error {
	backoff := 100 * time.Millisecond
	start := time.Now()
	if budget > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, budget)
		defer cancel()
	}
	var lastErr error
	for attempt := 0; ; attempt++ {
		c.mu.Lock()
		addr := c.addrs[c.next%len(c.addrs)]
		c.mu.Unlock()
		cl, err := c.peers.configNode(addr)
		if err == nil {
			err = fn(ctx, cl)
		}
		if err == nil || !retryable(err) {
			return err
		}
		lastErr = err
		c.mu.Lock()
		c.next++ // unreachable, or without a leader: try another
		addrs := append([]string(nil), c.addrs...)
		c.mu.Unlock()
		if attempt%20 == 2 {
			c.logger.Warn("no ConfigNode answers", "action", what, "config_nodes", addrs, "err", lastErr)
		}
		if budget > 0 && time.Since(start) >= budget {
			return status.Errorf(status.CodeOf(lastErr), "%s: no ConfigNode leader answered within %v (ConfigNodes %v): %w",
				what, budget.Round(time.Second), addrs, lastErr)
		}
		select {
		case <-ctx.Done():
			if budget > 0 && time.Since(start) >= budget {
				continue // report the budget's end as above
			}
			return fmt.Errorf("%s: %w (last error: %v)", what, ctx.Err(), lastErr)
		case <-c.stop:
			return fmt.Errorf("%s: client closed (last error: %v)", what, lastErr)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
}

// commit sends cmd to a ConfigNode and waits until the copy reflects it,
// also when the command was refused: the copy then shows why (a database
// that already exists is listed).
func (c *Client) commit(ctx context.Context, cmd []byte) (json.RawMessage, error) {
	var res json.RawMessage
	var index uint64
	err := c.callWithin(ctx, "commit metadata", requestBudget, func(ctx context.Context, cl clusterpb.ConfigNodeClient) error {
		r, err := cl.Apply(ctx, &clusterpb.ApplyRequest{Command: cmd})
		if err != nil {
			return unreachable(err)
		}
		res, index = r.Result, r.Index
		return r.Status.Err()
	})
	if index > 0 {
		if werr := c.cell.waitIndex(ctx, index); err == nil {
			err = werr
		}
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// RegisterDataNode admits this DataNode (see ConfigNode.RegisterDataNode)
// and waits until the copy of the state lists it.
func (c *Client) RegisterDataNode(ctx context.Context, info NodeInfo, clusterID string) (uint32, string, error) {
	var id uint32
	var cluster string
	var index uint64
	err := c.call(ctx, "register the DataNode", func(ctx context.Context, cl clusterpb.ConfigNodeClient) error {
		var err error
		id, cluster, index, err = callRegisterDataNode(ctx, cl, info, clusterID)
		return err
	})
	if err != nil {
		return 0, "", err
	}
	return id, cluster, c.cell.waitIndex(ctx, index)
}

// Heartbeat reports this DataNode alive with the regions it leads and its
// pipe report, and learns the ConfigNodes' addresses.
func (c *Client) Heartbeat(ctx context.Context, node uint32, led []uint32, rep *PipeReport) (uint64, error) {
	var index uint64
	err := c.call(ctx, "heartbeat", func(ctx context.Context, cl clusterpb.ConfigNodeClient) error {
		var eps []*clusterpb.Endpoint
		var err error
		index, eps, err = callHeartbeat(ctx, cl, node, led, rep)
		c.learn(eps)
		return err
	})
	return index, err
}

// learn adds ConfigNode endpoints not known yet.
func (c *Client) learn(eps []*clusterpb.Endpoint) {
	c.mu.Lock()
	defer c.mu.Unlock()
	known := map[string]bool{}
	for _, a := range c.addrs {
		known[a] = true
	}
	for _, e := range eps {
		if a := endpointOf(e).String(); !known[a] {
			known[a] = true
			c.addrs = append(c.addrs, a)
		}
	}
}

// ClusterStatus asks the leader for every node's status and the regions'
// leaders.
func (c *Client) ClusterStatus(ctx context.Context) (ClusterStatus, error) {
	var out ClusterStatus
	err := c.callWithin(ctx, "read the cluster status", requestBudget, func(ctx context.Context, cl clusterpb.ConfigNodeClient) error {
		var err error
		out, err = callClusterStatus(ctx, cl)
		return err
	})
	return out, err
}

// PipeStatistics asks the leader for every pipe's cluster-wide figures.
func (c *Client) PipeStatistics(ctx context.Context) ([]PipeStats, error) {
	var out []PipeStats
	err := c.callWithin(ctx, "read pipe statistics", requestBudget, func(ctx context.Context, cl clusterpb.ConfigNodeClient) error {
		var err error
		out, err = callPipeStatistics(ctx, cl)
		return err
	})
	return out, err
}

// RemoveConfigNode takes ConfigNode id out of the group and the metadata.
func (c *Client) RemoveConfigNode(ctx context.Context, id uint32) error {
	return c.callWithin(ctx, "remove a ConfigNode", requestBudget, func(ctx context.Context, cl clusterpb.ConfigNodeClient) error {
		return callRemoveConfigNode(ctx, cl, id)
	})
}
