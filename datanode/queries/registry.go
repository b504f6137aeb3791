package queries

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicedb/sluice/status"
)

// ErrKilled is the cause of a killed query's context and the error its
// client gets.
var ErrKilled = status.Errorf(status.QueryWasKilled, "Query was killed by others")

// Info describes a running query.
type Info struct {
	// ID is IoTDB's form: yyyyMMdd_HHmmss_<n>_<dataNodeId>, the start
	// second in the node's local time and n counting the queries started
	// in that second.
	ID         string
	DataNodeID uint32
	Start      time.Time
	Statement  string
}

// Registry is one DataNode's set of running queries. It is safe for
// concurrent use.
type Registry struct {
	node uint32
	now  func() time.Time

	mu      sync.Mutex
	second  int64 // the Unix second of the last id
	seq     int   // queries started in that second
	running map[string]*Query
}

// Query is a registered query. Finish it when its result is released.
type Query struct {
	Info
	r      *Registry
	ctx    context.Context
	cancel context.CancelCauseFunc
}

// Context is the query's context: cancelled by a kill (with cause
// ErrKilled) or by Finish.
func (q *Query) Context() context.Context { return q.ctx }

// New returns an empty registry of the DataNode node.
func New(node uint32) *Registry {
	return &Registry{node: node, now: time.Now, running: make(map[string]*Query)}
}

// Start registers a query of statement and returns it with a context that
// Kill cancels with cause ErrKilled. The context is derived from ctx.
func (r *Registry) Start(ctx context.Context, statement string) (context.Context, *Query) {
	qctx, cancel := context.WithCancelCause(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if s := now.Unix(); s != r.second {
		r.second, r.seq = s, 0
	}
	id := fmt.Sprintf("%s_%05d_%d", now.Format("20060102_150405"), r.seq, r.node)
	r.seq++
	q := &Query{Info: Info{ID: id, DataNodeID: r.node, Start: now, Statement: statement}, r: r, ctx: qctx, cancel: cancel}
	r.running[id] = q
	return qctx, q
}

// Finish forgets the query and releases its context. It is idempotent.
func (q *Query) Finish() {
	q.r.mu.Lock()
	delete(q.r.running, q.ID)
	q.r.mu.Unlock()
	q.cancel(context.Canceled)
}

// Killed reports whether err is the end of a query that was killed: its
// context's cause is ErrKilled.
func Killed(ctx context.Context) bool {
	return context.Cause(ctx) == ErrKilled
}

// List returns the running queries, oldest first.
func (r *Registry) List() []Info {
	r.mu.Lock()
	out := make([]Info, 0, len(r.running))
	for _, q := range r.running {
		out = append(out, q.Info)
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Kill cancels the query id; it reports whether that query was running.
func (r *Registry) Kill(id string) bool {
	r.mu.Lock()
	q := r.running[id]
	delete(r.running, id)
	r.mu.Unlock()
	if q == nil {
		return false
	}
	q.cancel(ErrKilled)
	return true
}

// KillAll cancels every running query but the one called except (the
// KILL statement itself; "" for none) and returns how many it cancelled.
func (r *Registry) KillAll(except string) int {
	r.mu.Lock()
	var qs []*Query
	for id, q := range r.running {
		if id != except {
			qs = append(qs, q)
			delete(r.running, id)
		}
	}
	r.mu.Unlock()
	for _, q := range qs {
		q.cancel(ErrKilled)
	}
	return len(qs)
}

type ctxKey struct{}

// NewContext returns ctx carrying q, so that what runs the statement knows
// its own query.
func NewContext(ctx context.Context, q *Query) context.Context {
	return context.WithValue(ctx, ctxKey{}, q)
}

// FromContext returns the query ctx carries, or nil.
func FromContext(ctx context.Context) *Query {
	q, _ := ctx.Value(ctxKey{}).(*Query)
	return q
}

// NodeOf returns the DataNode a query id names (its last field).
func NodeOf(id string) (uint32, error) {
	bad := status.Errorf(status.NoSuchQuery, "no such query: %q is not a query id (yyyyMMdd_HHmmss_n_dataNodeId)", id)
	parts := strings.Split(id, "_")
	if len(parts) != 4 || len(parts[0]) != 8 || len(parts[1]) != 6 {
		return 0, bad
	}
	for _, p := range parts[:3] {
		if _, err := strconv.ParseUint(p, 10, 64); err != nil {
			return 0, bad
		}
	}
	n, err := strconv.ParseUint(parts[3], 10, 32)
	if err != nil {
		return 0, bad
	}
	return uint32(n), nil
}
