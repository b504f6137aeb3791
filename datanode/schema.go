package datanode

import (
	"context"
	"github.com/sluicedb/sluice/confignode"
	"math"
	"strconv"

	"github.com/sluicedb/sluice/datanode/region"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/query"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

func (d *DataNode) runCreateDatabase(ctx context.Context, p model.Path) error {
	if len(p) < 2 || p.HasWildcard() {
		return status.Errorf(status.IllegalPath, "%s is not a valid database name", p)
	}
	return d.createDatabase(ctx, p.String())
}

// runDropDatabase removes the databases matching each pattern, their
// series and data.
func (d *DataNode) runDropDatabase(ctx context.Context, user string, patterns []model.Path) error {
	var names []string
	for _, pat := range patterns {
		if err := d.require(user, privManageDatabase, pat); err != nil {
			return err
		}
		found := false
		for _, db := range d.meta.Databases() {
			if p, err := model.ParsePath(db.Name); err == nil && p.Matches(pat) {
				names = append(names, db.Name)
				found = true
			}
		}
		if !found {
			return status.Errorf(status.PathNotExist, "database %s does not exist", pat)
		}
	}
	for _, name := range names {
		if err := d.meta.DropDatabase(ctx, name); err != nil {
			return err
		}
	}
	return d.reconcile(ctx)
}

func (d *DataNode) showDatabases(user string, pattern model.Path) *model.Result {
	replicas := map[uint32]int{}
	for _, r := range d.meta.Regions() {
		replicas[r.ID] = len(r.Replicas)
	}
	var rows [][]string
	for _, db := range d.matchingDatabases(user, pattern) {
		rf := 1
		if len(db.Regions) > 0 {
			rf = replicas[db.Regions[0]]
		}
		rows = append(rows, []string{db.Name, ttlCell(db.TTL), strconv.Itoa(rf), strconv.Itoa(rf), "604800000"})
	}
	return textResult([]string{"Database", "TTL", "SchemaReplicationFactor", "DataReplicationFactor", "TimePartitionInterval"}, rows)
}

func ttlCell(ttl int64) string {
	if ttl <= 0 {
		return "INF"
	}
	return strconv.FormatInt(ttl, 10)
}

func (d *DataNode) showTTL(paths []model.Path) *model.Result {
	var rows [][]string
	for _, db := range d.meta.Databases() {
		p, _ := model.ParsePath(db.Name)
		keep := len(paths) == 0
		for _, q := range paths {
			keep = keep || p.Matches(q) || p.HasPrefix(q)
		}
		if keep {
			rows = append(rows, []string{db.Name, ttlCell(db.TTL)})
		}
	}
	return textResult([]string{"Database", "TTL(ms)"}, rows)
}

func (d *DataNode) runCreateTimeseries(ctx context.Context, user string, device model.Path, aligned bool, specs []ast.MeasurementSpec) error {
	if device.HasWildcard() || len(device) < 2 {
		return status.Errorf(status.IllegalPath, "%s is not a valid device path", device)
	}
	if err := d.require(user, privWriteSchema, device.Append(model.MultiLevel)); err != nil {
		return err
	}
	db, err := d.resolveDatabase(ctx, device)
	if err != nil {
		return err
	}
	series := make([]model.Series, 0, len(specs))
	seen := map[string]bool{}
	for _, sp := range specs {
		if seen[sp.Name] {
			return status.Errorf(status.IllegalParameter, "measurement %s is given twice", sp.Name)
		}
		seen[sp.Name] = true
		for k := range sp.Tags {
			if _, ok := sp.Attributes[k]; ok {
				return status.Errorf(status.SemanticError, "Tag and attribute shouldn't have the same property key [%s] (series %s)", k, device.Append(sp.Name))
			}
		}
		s := model.Series{Path: device.Append(sp.Name), Type: sp.Type, Encoding: model.DefaultEncoding(sp.Type),
			Compressor: model.DefaultCompressor, Alias: sp.Alias, Aligned: aligned, Database: db.Name,
			Tags: sp.Tags, Attributes: sp.Attributes}
		if sp.Encoding != nil {
			s.Encoding = *sp.Encoding
		}
		if !s.Encoding.Supports(s.Type) {
			return status.Errorf(status.MetadataError, "encoding %s does not support %s (series %s)", s.Encoding, s.Type, s.Path)
		}
		if sp.Compressor != nil {
			s.Compressor = *sp.Compressor
		}
		series = append(series, s)
	}
	return d.propose(ctx, regionOf(db, device), region.CreateSeriesCommand(series))
}

func (d *DataNode) runDeleteTimeseries(ctx context.Context, user string, patterns []model.Path) error {
	for _, p := range patterns {
		if err := d.require(user, privWriteSchema, p); err != nil {
			return err
		}
	}
	matched, err := d.regionsMatching(ctx, patterns)
	if err != nil {
		return err
	}
	if len(matched) == 0 {
		return status.Errorf(status.PathNotExist, "timeseries %s does not exist", pathsString(patterns))
	}
	return d.proposeAll(ctx, matched, func(*regionBatch) []byte { return region.DeleteSeriesCommand(patterns) })
}

// runDelete executes DELETE FROM paths WHERE time-range.
func (d *DataNode) runDelete(ctx context.Context, user string, s *ast.Delete, opts query.Options) error {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if s.Where != nil {
		var err error
		if lo, hi, err = query.DeleteRange(s.Where, opts); err != nil {
			return err
		}
	}
	for _, p := range s.Paths {
		if err := d.require(user, privWriteData, p); err != nil {
			return err
		}
	}
	matched, err := d.regionsMatching(ctx, s.Paths)
	if err != nil {
		return err
	}
	if len(matched) == 0 {
		return nil
	}
	return d.proposeAll(ctx, matched, func(*regionBatch) []byte { return region.DeleteDataCommand(s.Paths, lo, hi) })
}

// regionsMatching returns the regions holding a series that matches one of
// patterns, asking each region's leader.
func (d *DataNode) regionsMatching(ctx context.Context, patterns []model.Path) (map[uint32]*regionBatch, error) {
	out := make(map[uint32]*regionBatch)
	for _, p := range patterns {
		for _, id := range d.regionsFor(p) {
			if out[id] != nil {
				continue
			}
			series, err := d.matchRegion(ctx, id, p)
			if err != nil {
				return nil, err
			}
			if len(series) > 0 {
				out[id] = &regionBatch{}
			}
		}
	}
	return out, nil
}

// regionsFor lists the regions of the databases in which some series may
// match pattern.
func (d *DataNode) regionsFor(pattern model.Path) []uint32 {
	var out []uint32
	for _, db := range d.meta.Databases() {
		if p, err := model.ParsePath(db.Name); err == nil && p.MayMatchBelow(pattern) {
			out = append(out, db.Regions...)
		}
	}
	return out
}

// matchRegion lists region id's series matching pattern, from its leader.
func (d *DataNode) matchRegion(ctx context.Context, id uint32, pattern model.Path) ([]model.Series, error) {
	var out []model.Series
	err := d.onLeader(ctx, id, func(ctx context.Context, t leaderTarget) error {
		if t.local == nil {
			var err error
			out, err = d.cluster.peers.MatchSeries(ctx, t.addr, id, pattern)
			return err
		}
		out = out[:0]
		for _, e := range t.local.fsm.Match(pattern) {
			out = append(out, e.Series)
		}
		return nil
	})
	return out, err
}

// seriesTypes returns the types of device's existing series.
func (d *DataNode) seriesTypes(ctx context.Context, db confignode.Database, device model.Path) (map[string]model.DataType, error) {
	series, err := d.matchRegion(ctx, regionOf(db, device), device.Append(model.OneLevel))
	if err != nil {
		return nil, err
	}
	types := make(map[string]model.DataType, len(series))
	for _, s := range series {
		types[s.Measurement()] = s.Type
	}
	return types, nil
}

func pathsString(ps []model.Path) string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += ", "
		}
		s += p.String()
	}
	return s
}

func (d *DataNode) visibleSeries(ctx context.Context, user string, pattern model.Path) ([]model.Series, error) {
	if pattern == nil {
		pattern = model.Path{"root", model.MultiLevel}
	}
	all, err := readStore{d}.MatchSeries(ctx, pattern)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, s := range all {
		if d.meta.Allowed(user, privReadSchema, s.Path) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (d *DataNode) showTimeseries(ctx context.Context, user string, s *ast.ShowTimeseries) (*model.Result, error) {
	series, err := d.visibleSeries(ctx, user, s.Pattern)
	if err != nil {
		return nil, err
	}
	series = window(filterSeries(series, s.Where), s.Limit, s.Offset)
	rows := make([][]string, 0, len(series))
	for _, se := range series {
		alias := nullCell
		if se.Alias != "" {
			alias = se.Alias
		}
		rows = append(rows, []string{se.Path.String(), alias, se.Database, se.Type.String(), se.Encoding.String(),
			se.Compressor.String(), propertiesCell(se.Tags), propertiesCell(se.Attributes), nullCell, nullCell, "BASE"})
	}
	return textResult([]string{"Timeseries", "Alias", "Database", "DataType", "Encoding", "Compression",
		"Tags", "Attributes", "Deadband", "DeadbandParameters", "ViewType"}, rows), nil
}

func window[T any](xs []T, limit, offset int64) []T {
	if offset > 0 {
		if offset >= int64(len(xs)) {
			return nil
		}
		xs = xs[offset:]
	}
	if limit >= 0 && limit < int64(len(xs)) {
		xs = xs[:limit]
	}
	return xs
}

type deviceInfo struct {
	path     model.Path
	aligned  bool
	database string
}

func (d *DataNode) devices(ctx context.Context, user string, pattern model.Path) ([]deviceInfo, error) {
	if pattern == nil {
		pattern = model.Path{"root", model.MultiLevel}
	}
	series, err := d.visibleSeries(ctx, user, pattern.Append(model.OneLevel))
	if err != nil {
		return nil, err
	}
	var out []deviceInfo
	for _, s := range series {
		dev := s.Device()
		if n := len(out); n > 0 && comparePaths(out[n-1].path, dev) == 0 {
			continue
		}
		out = append(out, deviceInfo{path: dev, aligned: s.Aligned, database: s.Database})
	}
	return out, nil
}

func (d *DataNode) showDevices(ctx context.Context, user string, s *ast.ShowDevices) (*model.Result, error) {
	devs, err := d.devices(ctx, user, s.Pattern)
	if err != nil {
		return nil, err
	}
	devs = window(devs, s.Limit, s.Offset)
	rows := make([][]string, 0, len(devs))
	for _, dv := range devs {
		row := []string{dv.path.String(), strconv.FormatBool(dv.aligned), nullCell}
		if s.WithDatabase {
			row = append([]string{row[0], dv.database}, row[1:]...)
		}
		rows = append(rows, row)
	}
	if s.WithDatabase {
		return textResult([]string{"Device", "Database", "IsAligned", "Template"}, rows), nil
	}
	return textResult([]string{"Device", "IsAligned", "Template"}, rows), nil
}

func (d *DataNode) countTimeseries(ctx context.Context, user string, s *ast.CountTimeseries) (*model.Result, error) {
	series, err := d.visibleSeries(ctx, user, s.Pattern)
	if err != nil {
		return nil, err
	}
	series = filterSeries(series, s.Where)
	if s.Level <= 0 {
		return countResult("count(timeseries)", nil, []int64{int64(len(series))}), nil
	}
	var keys []string
	counts := map[string]int64{}
	for _, se := range series {
		if len(se.Path) <= s.Level {
			continue
		}
		k := se.Path[:s.Level+1].String()
		if _, ok := counts[k]; !ok {
			keys = append(keys, k)
		}
		counts[k]++
	}
	vals := make([]int64, len(keys))
	for i, k := range keys {
		vals[i] = counts[k]
	}
	return countResult("count(timeseries)", keys, vals), nil
}

func (d *DataNode) countDevices(ctx context.Context, user string, pattern model.Path) (*model.Result, error) {
	devs, err := d.devices(ctx, user, pattern)
	if err != nil {
		return nil, err
	}
	return countResult("count(devices)", nil, []int64{int64(len(devs))}), nil
}

// countResult is a one-column INT64 result, with a leading Column column
// of keys when keys is not nil.
func countResult(name string, keys []string, vals []int64) *model.Result {
	b := model.Batch{}
	res := &model.Result{}
	if keys != nil {
		kc := model.NewColumn(model.Text, len(keys))
		for _, k := range keys {
			kc.Append(k)
		}
		b.Columns = append(b.Columns, kc)
		res.Columns = append(res.Columns, "Column")
		res.Types = append(res.Types, model.Text)
	}
	vc := model.NewColumn(model.Int64, len(vals))
	vc.Int64s = append(vc.Int64s, vals...)
	b.Columns = append(b.Columns, vc)
	res.Columns = append(res.Columns, name)
	res.Types = append(res.Types, model.Int64)
	res.Rows = model.NewSliceRows(b)
	return res
}
