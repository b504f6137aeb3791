package datanode

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sluicedb/sluice/datanode/queries"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/query"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// queryFanoutTimeout bounds one DataNode's answer to SHOW QUERIES or KILL
// QUERY.
const queryFanoutTimeout = 5 * time.Second

// Queries implements peer.Host.
func (h hostView) Queries() []queries.Info { return h.d.queries.List() }

// KillQueries implements peer.Host.
func (h hostView) KillQueries(id string) int {
	if id == "" {
		return h.d.queries.KillAll("")
	}
	if h.d.queries.Kill(id) {
		return 1
	}
	return 0
}

// otherDataNodes maps every other DataNode to its internal address.
func (d *DataNode) otherDataNodes() map[uint32]string {
	out := map[uint32]string{}
	if d.cluster == nil {
		return out
	}
	for _, n := range d.meta.DataNodes() {
		if n.ID != d.cfg.NodeID {
			out[n.ID] = n.Internal.String()
		}
	}
	return out
}

// fanOut calls fn on every other DataNode at once, each bounded by
// queryFanoutTimeout, and returns the failures by node.
func (d *DataNode) fanOut(ctx context.Context, fn func(ctx context.Context, addr string) error) map[uint32]error {
	var mu sync.Mutex
	var wg sync.WaitGroup
	failed := map[uint32]error{}
	for id, addr := range d.otherDataNodes() {
		wg.Go(func() {
			actx, cancel := context.WithTimeout(ctx, queryFanoutTimeout)
			defer cancel()
			if err := fn(actx, addr); err != nil {
				mu.Lock()
				failed[id] = fmt.Errorf("DataNode %d at %s: %w", id, addr, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return failed
}

// runningQueries lists the queries running on every DataNode. A DataNode
// that does not answer is left out, with a warning in the log: SHOW
// QUERIES is for finding what runs, and one node down must not hide the
// others.
func (d *DataNode) runningQueries(ctx context.Context) []queries.Info {
	all := d.queries.List()
	var mu sync.Mutex
	failed := d.fanOut(ctx, func(ctx context.Context, addr string) error {
		list, err := d.cluster.peers.Queries(ctx, addr)
		mu.Lock()
		all = append(all, list...)
		mu.Unlock()
		return err
	})
	for id, err := range failed {
		d.logger.Warn("SHOW QUERIES leaves out a DataNode that did not answer", "node", id, "err", err)
	}
	return all
}

// showQueries answers SHOW QUERIES with IoTDB's columns: Time (the start),
// QueryId, DataNodeId, ElapsedTime (seconds), Statement.
func (d *DataNode) showQueries(ctx context.Context, s *ast.ShowQueries, opts query.Options) (*model.Result, error) {
	now := time.Now()
	var rows []queryRow
	for _, q := range d.runningQueries(ctx) {
		rows = append(rows, queryRow{start: q.Start.UnixMilli(), id: q.ID, node: int32(q.DataNodeID),
			elapsed: float32(now.Sub(q.Start).Seconds()), statement: q.Statement})
	}
	rows, err := filterQueries(rows, s.Where, opts)
	if err != nil {
		return nil, err
	}
	if err := sortQueries(rows, s.OrderBy); err != nil {
		return nil, err
	}
	rows = pageQueries(rows, s.Offset, s.Limit)
	b := model.Batch{Columns: []model.Column{
		model.NewColumn(model.Text, len(rows)), model.NewColumn(model.Int32, len(rows)),
		model.NewColumn(model.Float, len(rows)), model.NewColumn(model.Text, len(rows)),
	}}
	for _, r := range rows {
		b.Times = append(b.Times, r.start)
		b.Columns[0].Append(r.id)
		b.Columns[1].Append(r.node)
		b.Columns[2].Append(r.elapsed)
		b.Columns[3].Append(r.statement)
	}
	return &model.Result{Columns: []string{"QueryId", "DataNodeId", "ElapsedTime", "Statement"},
		Types: []model.DataType{model.Text, model.Int32, model.Float, model.Text}, HasTime: true,
		Rows: model.NewSliceRows(b)}, nil
}

// killQuery cancels the query s names wherever it runs, or with KILL ALL
// QUERIES every query of the cluster but the KILL statement itself.
func (d *DataNode) killQuery(ctx context.Context, s *ast.KillQuery) error {
	if s.ID == "" {
		self := ""
		if q := queries.FromContext(ctx); q != nil {
			self = q.ID
		}
		d.queries.KillAll(self)
		failed := d.fanOut(ctx, func(ctx context.Context, addr string) error {
			_, err := d.cluster.peers.KillQueries(ctx, addr, "")
			return err
		})
		if len(failed) > 0 {
			return status.Errorf(status.InternalServerError, "the queries of the other DataNodes are killed, but not those of: %s", joinErrors(failed))
		}
		return nil
	}
	node, err := queries.NodeOf(s.ID)
	if err != nil {
		return err
	}
	noSuch := status.Errorf(status.NoSuchQuery, "no such query: %s is not running", s.ID)
	if node == d.cfg.NodeID {
		if !d.queries.Kill(s.ID) {
			return noSuch
		}
		return nil
	}
	addr, ok := d.otherDataNodes()[node]
	if !ok {
		return status.Errorf(status.NoSuchQuery, "no such query: %s names DataNode %d, which is not in the cluster", s.ID, node)
	}
	actx, cancel := context.WithTimeout(ctx, queryFanoutTimeout)
	defer cancel()
	n, err := d.cluster.peers.KillQueries(actx, addr, s.ID)
	if err != nil {
		return fmt.Errorf("kill query %s on DataNode %d: %w", s.ID, node, err)
	}
	if n == 0 {
		return noSuch
	}
	return nil
}

func joinErrors(m map[uint32]error) string {
	ids := make([]uint32, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = m[id].Error()
	}
	return strings.Join(parts, "; ")
}
