package consensus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
)

// ErrNotLeader is returned when a command reaches a replica that does not
// lead its group.
var ErrNotLeader = errors.New("not the leader")

// ErrClosed is returned by a group that has been closed.
var ErrClosed = errors.New("consensus group closed")

// Config describes one Raft group replica.
type Config struct {
	// Name labels the group in logs and metrics, e.g. "confignode" or "region-3".
	Name string
	// ID is this replica's server id, stable across restarts.
	ID string
	// Dir holds the log and stable store (raft.db or wal/, see LogStore)
	// and snapshots/.
	Dir string
	// LogStore is the store a brand-new replica keeps its log in; default
	// LogStoreBolt. A Dir that already holds a store keeps the one it has.
	LogStore LogStore
	// SegmentBytes is the size of a raft-wal segment; default
	// DefaultSegmentBytes. Ignored by raft-boltdb.
	SegmentBytes int
	// Transport carries Raft RPCs. Nil means an in-memory transport, which
	// suits a group whose only voter is this replica.
	Transport raft.Transport
	// Peers are the voters to bootstrap a brand-new group with. Empty means
	// this replica alone. Ignored when Dir already holds Raft state.
	Peers []raft.Server
	// Join starts a brand-new replica without bootstrapping: it waits for
	// an existing group's leader to add it.
	Join bool
	// SnapshotThreshold is how many log entries since the last snapshot
	// trigger a new one; default 8192.
	SnapshotThreshold uint64
	// SnapshotInterval is how often the threshold is checked; default 30s.
	SnapshotInterval time.Duration
	// TrailingLogs and TrailingBytes bound the log a snapshot leaves for
	// slow followers: the last TrailingLogs entries (default 1024) as far
	// as they hold no more than TrailingBytes of payload (default 64 MiB).
	// Entries after the snapshot, and those a pipe pins, are kept
	// regardless. A follower further behind is sent a snapshot.
	TrailingLogs  uint64
	TrailingBytes uint64
	// LogCacheSize is how many recent entries are kept in memory; default 256.
	LogCacheSize int
	// Timeout bounds heartbeats and elections; default 1s. A single-voter
	// group may use much less.
	Timeout time.Duration
	// SoleVoter says this replica is and stays the group's only voter (a
	// standalone server): it elects itself within soleVoterElection of
	// opening instead of after a heartbeat timeout, which is what a write
	// creating a region waits for. Never set it on a group that may gain
	// voters: Raft's leader lease then stays at a few milliseconds, which
	// a leader with followers would keep losing.
	SoleVoter bool
	// PinnedLogLimit bounds the log bytes pins keep from compaction (0:
	// unbounded); OnPinRelease hears of each pin released for it.
	PinnedLogLimit uint64
	OnPinRelease   func(PinRelease)
}

func (c *Config) withDefaults() {
	if c.SnapshotThreshold == 0 {
		c.SnapshotThreshold = 8192
	}
	if c.SnapshotInterval == 0 {
		c.SnapshotInterval = 30 * time.Second
	}
	if c.TrailingLogs == 0 {
		c.TrailingLogs = 1024
	}
	if c.TrailingBytes == 0 {
		c.TrailingBytes = 64 << 20
	}
	if c.LogCacheSize == 0 {
		c.LogCacheSize = 256
	}
	if c.Timeout == 0 {
		c.Timeout = time.Second
	}
}

// soleVoterElection is how soon a SoleVoter replica elects itself: the
// least heartbeat timeout Raft accepts is 5 ms, and its leader lease (half
// of it) must be at least that.
const soleVoterElection = 10 * time.Millisecond

// Group is one replica of a Raft group.
type Group struct {
	cfg     Config
	raft    *raft.Raft
	store   logStore
	logs    *PinnedLogStore
	cache   *raft.LogCache // over logs: what Raft and ReadLog read
	metrics *Metrics
	logger  *slog.Logger

	ready       atomic.Bool  // see LeaderReady
	leaderSince atomic.Int64 // see LeaderSince

	// leaseMu guards leaseUntil, the end of the leadership lease that
	// VerifyLeader last confirmed.
	leaseMu    sync.Mutex
	leaseUntil time.Time

	closeOnce sync.Once
	closeErr  error
	stop      chan struct{}
	wg        sync.WaitGroup
}

// Open starts (or restarts) the replica described by cfg with fsm as its
// state machine. On a fresh Dir it bootstraps the group with cfg.Peers.
func Open(cfg Config, fsm raft.FSM, logger *slog.Logger, m *Metrics) (*Group, error) {
	cfg.withDefaults()
	logger = logger.With("group", cfg.Name)
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create raft dir: %w", err)
	}
	hlog := newHCLogger(logger, cfg.Name)
	store, kind, err := openLogStore(cfg.Dir, cfg.LogStore, cfg.SegmentBytes, hlog)
	if err != nil {
		return nil, err
	}
	logger.Debug("raft log opened", "store", kind)
	logs := NewPinnedLogStore(store)
	logs.SetLimit(cfg.PinnedLogLimit, cfg.OnPinRelease)
	logs.SetTrailing(cfg.TrailingLogs, cfg.TrailingBytes)
	cache, err := raft.NewLogCache(cfg.LogCacheSize, logs)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("raft log cache: %w", err)
	}
	files, err := raft.NewFileSnapshotStoreWithLogger(cfg.Dir, 2, hlog)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("open raft snapshots: %w", err)
	}
	latest, err := files.List()
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("list raft snapshots: %w", err)
	}
	var snapIndex uint64
	if len(latest) > 0 {
		snapIndex = latest[0].Index // newest first
	}
	logs.SetSnapshotIndex(snapIndex)
	var snaps raft.SnapshotStore = files
	var streaming *streamingSnapshots
	if sf, ok := fsm.(StreamingFSM); ok {
		streaming = newStreamingSnapshots(files, sf)
		streaming.starting.Store(true)
		snaps = streaming
	}
	snaps = snapshotIndexer{SnapshotStore: snaps, logs: logs}
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.ID)
	rc.Logger = hlog
	rc.SnapshotThreshold = cfg.SnapshotThreshold
	rc.SnapshotInterval = cfg.SnapshotInterval
	// Raft asks to truncate up to the snapshot; the store keeps the
	// trailing entries, bounded in bytes as well as in entries (Raft only
	// counts entries, and a region's entries are megabytes).
	rc.TrailingLogs = 0
	rc.HeartbeatTimeout = cfg.Timeout
	rc.ElectionTimeout = cfg.Timeout
	rc.LeaderLeaseTimeout = cfg.Timeout / 2
	if cfg.SoleVoter {
		// No follower to time out: these only delay the first election.
		rc.HeartbeatTimeout, rc.ElectionTimeout, rc.LeaderLeaseTimeout = soleVoterElection, soleVoterElection, soleVoterElection/2
	}
	rc.NoSnapshotRestoreOnStart = false
	rc.NoLegacyTelemetry = true // peers as labels, not in metric names

	transport := cfg.Transport
	if transport == nil {
		_, transport = raft.NewInmemTransport(raft.ServerAddress(cfg.ID))
	}
	existing, err := raft.HasExistingState(cache, store, snaps)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("inspect raft state: %w", err)
	}
	if !existing && !cfg.Join {
		peers := cfg.Peers
		if len(peers) == 0 {
			peers = []raft.Server{{Suffrage: raft.Voter, ID: rc.LocalID, Address: transport.LocalAddr()}}
		}
		if err := raft.BootstrapCluster(rc, cache, store, snaps, transport, raft.Configuration{Servers: peers}); err != nil {
			store.Close()
			return nil, fmt.Errorf("bootstrap raft group %s: %w", cfg.Name, err)
		}
	}
	r, err := raft.NewRaft(rc, fsm, cache, store, snaps, transport)
	if streaming != nil {
		streaming.starting.Store(false)
	}
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("start raft group %s: %w", cfg.Name, err)
	}
	g := &Group{cfg: cfg, raft: r, store: store, logs: logs, cache: cache, metrics: m, logger: logger, stop: make(chan struct{})}
	g.wg.Add(1)
	go g.trackLeadership()
	if m != nil {
		g.wg.Add(1)
		go g.observe()
	}
	return g, nil
}

// Raft exposes the underlying raft instance for membership changes and
// inspection.
func (g *Group) Raft() *raft.Raft { return g.raft }

// Logs returns the group's log store, through which pipes read entries and
// pin the ones they still need.
func (g *Group) Logs() *PinnedLogStore { return g.logs }

// ReadLog reads the entry at index through the group's log cache, as Raft
// reads it: the recent entries a pipe tails come from memory, sharing their
// data with the cache (read only), rather than being read and decoded from
// the log store. It returns raft.ErrLogNotFound for an entry the log no
// longer holds.
func (g *Group) ReadLog(index uint64, l *raft.Log) error { return g.cache.GetLog(index, l) }

// IsLeader reports whether this replica currently leads the group.
func (g *Group) IsLeader() bool { return g.raft.State() == raft.Leader }

// Leader returns the current leader's address and id, empty when unknown.
func (g *Group) Leader() (raft.ServerAddress, raft.ServerID) { return g.raft.LeaderWithID() }

// Apply replicates cmd and returns the state machine's response. A response
// that is an error is returned as the error.
func (g *Group) Apply(ctx context.Context, cmd []byte) (any, error) {
	timeout := 30 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	start := time.Now()
	f := g.raft.Apply(cmd, timeout)
	if err := f.Error(); err != nil {
		return nil, g.mapErr(err)
	}
	if g.metrics != nil {
		g.metrics.applyDuration.WithLabelValues(g.cfg.Name).Observe(time.Since(start).Seconds())
	}
	resp := f.Response()
	if err, ok := resp.(error); ok {
		return nil, err
	}
	return resp, nil
}

// Barrier waits until every entry committed before it is applied locally.
// A new leader calls it before serving reads.
func (g *Group) Barrier(ctx context.Context) error {
	timeout := 30 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	return g.mapErr(g.raft.Barrier(timeout).Error())
}

// WaitLeader blocks until this group has a leader (any replica) or ctx ends.
func (g *Group) WaitLeader(ctx context.Context) error {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		if addr, _ := g.raft.LeaderWithID(); addr != "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("group %s: no leader: %w", g.cfg.Name, ctx.Err())
		case <-t.C:
		}
	}
}

// Snapshot asks Raft to take a snapshot now and truncate its log.
func (g *Group) Snapshot() error {
	err := g.raft.Snapshot().Error()
	if errors.Is(err, raft.ErrNothingNewToSnapshot) {
		return nil
	}
	return err
}

func (g *Group) mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost), errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return fmt.Errorf("group %s: %w", g.cfg.Name, ErrNotLeader)
	case errors.Is(err, raft.ErrRaftShutdown):
		return fmt.Errorf("group %s: %w", g.cfg.Name, ErrClosed)
	}
	return fmt.Errorf("group %s: %w", g.cfg.Name, err)
}

// Close shuts the replica down and closes its log. It is idempotent.
func (g *Group) Close() error {
	g.closeOnce.Do(func() {
		close(g.stop)
		g.closeErr = g.raft.Shutdown().Error()
		g.wg.Wait()
		if err := g.store.Close(); err != nil && g.closeErr == nil {
			g.closeErr = err
		}
	})
	return g.closeErr
}

// AddVoter makes the replica id at addr a voter of the group, waiting until
// the change is committed. Only the leader can.
func (g *Group) AddVoter(id, addr string, timeout time.Duration) error {
	return g.mapErr(g.raft.AddVoter(raft.ServerID(id), raft.ServerAddress(addr), 0, timeout).Error())
}

// RemoveServer takes the replica id out of the group, waiting until the
// change is committed. Only the leader can.
func (g *Group) RemoveServer(id string, timeout time.Duration) error {
	return g.mapErr(g.raft.RemoveServer(raft.ServerID(id), 0, timeout).Error())
}

// TransferLeadership hands leadership to the replica id at addr once it has
// caught up. Only the leader can.
func (g *Group) TransferLeadership(id, addr string) error {
	return g.mapErr(g.raft.LeadershipTransferToServer(raft.ServerID(id), raft.ServerAddress(addr)).Error())
}
