package datanode

import (
	"context"
	"sort"
	"time"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/query"
	"github.com/sluicedb/sluice/storage"
)

// readStore serves the query executor from this node's regions. Each call
// reads through a fresh storage view, so a scan sees one consistent state of
// its region.
type readStore struct{ d *DataNode }

var _ query.Store = readStore{}

// regionOfSeries finds the region that owns series.
func (s readStore) regionOfSeries(series model.Series) (uint32, bool) {
	db, ok := databaseOf(s.d.meta.Databases(), series.Device())
	if !ok {
		return 0, false
	}
	return regionOf(db, series.Device()), true
}

// ttlFloor is the oldest time still visible in series' database.
func (s readStore) ttlFloor(series model.Series) int64 {
	for _, db := range s.d.meta.Databases() {
		if db.Name == series.Database && db.TTL > 0 {
			return time.Now().UnixMilli() - db.TTL
		}
	}
	return minTime
}

const minTime = -1 << 63

// MatchSeries implements query.Store, asking the leader of every region
// the pattern may reach.
func (s readStore) MatchSeries(ctx context.Context, pattern model.Path) ([]model.Series, error) {
	var out []model.Series
	for _, id := range s.d.regionsFor(pattern) {
		series, err := s.d.matchRegion(ctx, id, pattern)
		if err != nil {
			return nil, err
		}
		out = append(out, series...)
	}
	sort.Slice(out, func(i, j int) bool { return comparePaths(out[i].Path, out[j].Path) < 0 })
	return out, nil
}

// comparePaths orders paths node by node.
func comparePaths(a, b model.Path) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

// Scan implements query.Store.
func (s readStore) Scan(ctx context.Context, series model.Series, lo, hi int64) (query.SeriesIterator, error) {
	id, ok := s.regionOfSeries(series)
	if !ok {
		return emptyIterator{}, nil
	}
	lo = max(lo, s.ttlFloor(series))
	var it query.SeriesIterator
	err := s.d.onLeader(ctx, id, func(ctx context.Context, t leaderTarget) error {
		if t.local == nil {
			var err error
			it, err = s.d.cluster.peers.Scan(ctx, t.addr, id, series, lo, hi)
			return err
		}
		e, ok := t.local.fsm.Entry(series.Path)
		if !ok {
			it = emptyIterator{}
			return nil
		}
		v := t.local.fsm.View()
		it = &viewIterator{it: v.Scan(e.ID, e.Type, lo, hi), view: v}
		return nil
	})
	return it, err
}

// Stats implements query.Store.
func (s readStore) Stats(ctx context.Context, series model.Series, lo, hi int64) (query.Stats, error) {
	id, ok := s.regionOfSeries(series)
	if !ok {
		return query.Stats{}, nil
	}
	lo = max(lo, s.ttlFloor(series))
	var out query.Stats
	err := s.d.onLeader(ctx, id, func(ctx context.Context, t leaderTarget) error {
		if t.local == nil {
			var err error
			out, err = s.d.cluster.peers.Stats(ctx, t.addr, id, series, lo, hi)
			return err
		}
		e, ok := t.local.fsm.Entry(series.Path)
		if !ok {
			out = query.Stats{}
			return nil
		}
		v := t.local.fsm.View()
		defer v.Close()
		st, err := v.Stats(e.ID, e.Type, lo, hi)
		out = query.Stats{Count: st.Count, Sum: st.Sum, Min: st.Min, Max: st.Max,
			FirstTime: st.FirstTime, LastTime: st.LastTime, First: st.FirstValue, Last: st.LastValue}
		return err
	})
	return out, err
}

// Last implements query.Store.
func (s readStore) Last(ctx context.Context, series model.Series) (int64, any, bool, error) {
	id, ok := s.regionOfSeries(series)
	if !ok {
		return 0, nil, false, nil
	}
	var (
		t     int64
		val   any
		found bool
	)
	err := s.d.onLeader(ctx, id, func(ctx context.Context, lt leaderTarget) error {
		var err error
		if lt.local == nil {
			t, val, found, err = s.d.cluster.peers.Last(ctx, lt.addr, id, series)
			return err
		}
		e, ok := lt.local.fsm.Entry(series.Path)
		if !ok {
			found = false
			return nil
		}
		v := lt.local.fsm.View()
		defer v.Close()
		t, val, found, err = v.Last(e.ID, e.Type)
		return err
	})
	if err != nil || !found || t < s.ttlFloor(series) {
		return 0, nil, false, err
	}
	return t, val, true, nil
}

type viewIterator struct {
	it   storage.Iterator
	view *storage.View
}

func (v *viewIterator) Next(max int) ([]int64, model.Column, error) { return v.it.Next(max) }

func (v *viewIterator) Close() {
	v.it.Close()
	v.view.Close()
}

type emptyIterator struct{}

func (emptyIterator) Next(int) ([]int64, model.Column, error) { return nil, model.Column{}, nil }
func (emptyIterator) Close()                                  {}
