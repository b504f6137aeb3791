package datanode

import (
	"context"
	"sort"
	"time"

	"github.com/sluicedb/sluice/datanode/region"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/query"
	"github.com/sluicedb/sluice/storage"
)

// readStore serves the query executor from this node's regions. Each call
// reads through a fresh storage view, so a scan sees one consistent state of
// its region.
type readStore struct{ d *DataNode }

var _ query.Store = readStore{}

// entryOf finds the region entry behind s.
func (s readStore) entryOf(series model.Series) (*replica, region.Entry, bool) {
	db, ok := databaseOf(s.d.meta.Databases(), series.Device())
	if !ok {
		return nil, region.Entry{}, false
	}
	r := s.d.regions.get(regionOf(db, series.Device()))
	if r == nil {
		return nil, region.Entry{}, false
	}
	e, ok := r.fsm.Entry(series.Path)
	return r, e, ok
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

// MatchSeries implements query.Store.
func (s readStore) MatchSeries(_ context.Context, pattern model.Path) ([]model.Series, error) {
	var out []model.Series
	for _, r := range s.d.regions.all() {
		for _, e := range r.fsm.Match(pattern) {
			out = append(out, e.Series)
		}
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
func (s readStore) Scan(_ context.Context, series model.Series, lo, hi int64) (query.SeriesIterator, error) {
	r, e, ok := s.entryOf(series)
	if !ok {
		return emptyIterator{}, nil
	}
	lo = max(lo, s.ttlFloor(series))
	v := r.fsm.View()
	return &viewIterator{it: v.Scan(e.ID, e.Type, lo, hi), view: v}, nil
}

// Stats implements query.Store.
func (s readStore) Stats(_ context.Context, series model.Series, lo, hi int64) (query.Stats, error) {
	r, e, ok := s.entryOf(series)
	if !ok {
		return query.Stats{}, nil
	}
	lo = max(lo, s.ttlFloor(series))
	v := r.fsm.View()
	defer v.Close()
	st, err := v.Stats(e.ID, e.Type, lo, hi)
	if err != nil {
		return query.Stats{}, err
	}
	return query.Stats{Count: st.Count, Sum: st.Sum, Min: st.Min, Max: st.Max,
		FirstTime: st.FirstTime, LastTime: st.LastTime, First: st.FirstValue, Last: st.LastValue}, nil
}

// Last implements query.Store.
func (s readStore) Last(_ context.Context, series model.Series) (int64, any, bool, error) {
	r, e, ok := s.entryOf(series)
	if !ok {
		return 0, nil, false, nil
	}
	v := r.fsm.View()
	defer v.Close()
	t, val, ok, err := v.Last(e.ID, e.Type)
	if ok && t < s.ttlFloor(series) {
		return 0, nil, false, err
	}
	return t, val, ok, err
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
