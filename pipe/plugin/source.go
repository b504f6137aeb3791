package plugin

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// Source is the validated SOURCE clause of a pipe. Make it with Parse: the
// zero value selects nothing in time.
type Source struct {
	Plugin string // SourceIoTDB
	// Pattern is the canonical series-path prefix the pipe selects,
	// "root" by default.
	Pattern string
	// HistoryEnabled and RealtimeEnabled are history.enable and
	// realtime.enable, true by default.
	HistoryEnabled, RealtimeEnabled bool
	// HistoryStart and HistoryEnd bound the event time of historical data,
	// in milliseconds, inclusive. They stay math.MinInt64 and math.MaxInt64
	// when start-time or end-time is given, which replace them.
	HistoryStart, HistoryEnd int64
	// Start and End (start-time, end-time) bound the event time of all
	// data, in milliseconds, inclusive; math.MinInt64 and math.MaxInt64 by
	// default.
	Start, End int64
	// ForwardPipeRequests is forwarding-pipe-requests, true by default:
	// whether writes that arrived through another pipe are shipped too.
	ForwardPipeRequests bool
	// Inclusion is what the pipe carries (inclusion less
	// inclusion.exclusion): data.insert by default.
	Inclusion Inclusion
}

// sourceKeys are the parameters iotdb-source knows, canonical spellings.
var sourceKeys = []string{
	"pattern", "history.enable", "history.start-time", "history.end-time",
	"realtime.enable", "realtime.mode", "start-time", "end-time",
	"forwarding-pipe-requests", "history.loose-range", "realtime.loose-range",
	"inclusion", "inclusion.exclusion",
}

// looseRanges are the parts IoTDB's history.loose-range and
// realtime.loose-range may name, comma-separated. They let IoTDB ship whole
// files that overlap the time range or pattern; Sluice filters each point
// exactly, so the loose ranges are checked and the filtering stays exact.
var looseRanges = []string{"time", "path", "all"}

// realtimeModes are IoTDB's realtime.mode values. They choose between
// shipping WAL entries and sealed files; Sluice's realtime phase always
// reads the replicated log, so the mode is checked and ignored.
var realtimeModes = []string{"hybrid", "log", "file", "forced-log"}

func parseSource(attrs []ast.Attribute, zone *time.Location) (Source, error) {
	ps, err := sourceClause.normalize(attrs)
	if err != nil {
		return Source{}, err
	}
	s := Source{
		Pattern:      "root",
		HistoryStart: math.MinInt64, HistoryEnd: math.MaxInt64,
		Start: math.MinInt64, End: math.MaxInt64,
	}
	if s.Plugin, err = ps.plugin(sources, SourceIoTDB); err != nil {
		return Source{}, err
	}
	if err := ps.checkKnown(s.Plugin, sourceKeys...); err != nil {
		return Source{}, err
	}
	if p, ok := ps.get("pattern"); ok {
		if s.Pattern, err = parsePattern(p.value); err != nil {
			return Source{}, sourceClause.errorf("'%s' = '%s': %v", p.written, p.value, err)
		}
	}
	if s.HistoryEnabled, err = ps.boolean("history.enable", true); err != nil {
		return Source{}, err
	}
	if s.RealtimeEnabled, err = ps.boolean("realtime.enable", true); err != nil {
		return Source{}, err
	}
	if s.ForwardPipeRequests, err = ps.boolean("forwarding-pipe-requests", true); err != nil {
		return Source{}, err
	}
	if s.Inclusion, err = parseInclusion(ps); err != nil {
		return Source{}, err
	}
	if p, ok := ps.get("realtime.mode"); ok && !slices.Contains(realtimeModes, strings.ToLower(p.value)) {
		return Source{}, sourceClause.errorf("'%s' = '%s': must be one of %s", p.written, p.value, strings.Join(realtimeModes, ", "))
	}
	for _, k := range []string{"history.loose-range", "realtime.loose-range"} {
		if err := checkLooseRange(ps, k); err != nil {
			return Source{}, err
		}
	}

	if s.HistoryStart, s.HistoryEnd, s.Start, s.End, err = timeRanges(ps, zone); err != nil {
		return Source{}, err
	}
	return s, nil
}

// InHistory reports whether the historical phase ships a point of event
// time t.
func (s Source) InHistory(t int64) bool {
	return s.HistoryEnabled && s.HistoryStart <= t && t <= s.HistoryEnd && s.Start <= t && t <= s.End
}

// InRealtime reports whether the realtime phase ships a point of event time
// t.
func (s Source) InRealtime(t int64) bool {
	return s.RealtimeEnabled && s.Start <= t && t <= s.End
}

// Matches reports whether the pipe selects series: whether its canonical
// text starts with the pattern.
func (s Source) Matches(series model.Path) bool {
	if s.Pattern == "root" {
		return len(series) > 0 && series[0] == "root"
	}
	return strings.HasPrefix(series.String(), s.Pattern)
}

// MayMatchDevice reports whether some series of device (device plus one
// measurement) can match, for pruning: when it is false no series of the
// device matches.
func (s Source) MayMatchDevice(device model.Path) bool {
	d, p := device.String(), s.Pattern
	if len(p) <= len(d) {
		return strings.HasPrefix(d, p)
	}
	// The pattern goes on past the device: what follows must be the start
	// of one more node, the measurement.
	rest, ok := strings.CutPrefix(p, d+".")
	return ok && !hasSeparator(rest)
}

// MayMatchBelow reports whether some series below prefix (a database, a
// device or any inner node) can match; when false the whole subtree can be
// skipped.
func (s Source) MayMatchBelow(prefix model.Path) bool {
	d := prefix.String() + "."
	return strings.HasPrefix(d, s.Pattern) || strings.HasPrefix(s.Pattern, d)
}

// Covers reports whether every series below prefix matches, as for the
// default pattern "root" or a pattern equal to a database: the source can
// then ship the subtree without checking series one by one.
func (s Source) Covers(prefix model.Path) bool {
	return strings.HasPrefix(prefix.String()+".", s.Pattern)
}

// checkLooseRange checks a loose-range parameter: empty, or a
// comma-separated list of looseRanges.
func checkLooseRange(ps *params, key string) error {
	p, ok := ps.get(key)
	if !ok {
		return nil
	}
	for part := range strings.SplitSeq(strings.ToLower(p.value), ",") {
		part = strings.TrimSpace(part)
		if part != "" && !slices.Contains(looseRanges, part) {
			return ps.c.errorf("'%s' = '%s': must be empty or a comma-separated list of %s", p.written, p.value, strings.Join(looseRanges, ", "))
		}
	}
	return nil
}
