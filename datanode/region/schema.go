package region

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/sluicedb/sluice/model"
)

// Entry is a series as the region stores it: its schema and the storage id
// its points are kept under.
type Entry struct {
	model.Series
	ID uint64
}

type device struct {
	path     model.Path
	aligned  bool
	database string
	series   map[string]*Entry // by measurement
	aliases  map[string]string // measurement by alias; nil when none
	// altered is the log index of the last ALTER TIMESERIES applied to one
	// of the series, persisted with them: a restart replays the entries
	// past the storage's durable index against metadata that may already
	// hold them, and an alteration (unlike a creation) is not idempotent.
	altered uint64
}

// schema is the region's catalog of devices and series. It is changed only
// by Apply (under the FSM's write lock) and persisted write-through as region
// metadata so that a restart does not depend on replaying creations.
type schema struct {
	devices map[string]*device // by device path string
	nextID  uint64
}

func newSchema() *schema { return &schema{devices: make(map[string]*device), nextID: 1} }

var (
	metaDevicePrefix = []byte("dev/")
	metaNextID       = []byte("next-series-id")
)

// deviceRecord is a device's persisted form.
type deviceRecord struct {
	Path     []string       `json:"path"`
	Aligned  bool           `json:"aligned"`
	Database string         `json:"database"`
	Series   []seriesRecord `json:"series"`
	Altered  uint64         `json:"altered,omitempty"`
}

type seriesRecord struct {
	Name       string            `json:"name"`
	ID         uint64            `json:"id"`
	Type       int8              `json:"type"`
	Encoding   int8              `json:"encoding"`
	Compressor int8              `json:"compressor"`
	Alias      string            `json:"alias,omitempty"`
	Tags       map[string]string `json:"tags,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

func (d *device) record() deviceRecord {
	r := deviceRecord{Path: d.path, Aligned: d.aligned, Database: d.database, Altered: d.altered}
	for name, e := range d.series {
		r.Series = append(r.Series, seriesRecord{Name: name, ID: e.ID, Type: int8(e.Type),
			Encoding: int8(e.Encoding), Compressor: int8(e.Compressor), Alias: e.Alias, Tags: e.Tags, Attributes: e.Attributes})
	}
	sort.Slice(r.Series, func(i, j int) bool { return r.Series[i].Name < r.Series[j].Name })
	return r
}

func (s *schema) load(key, value []byte) error {
	switch {
	case string(key) == string(metaNextID):
		var n uint64
		if err := json.Unmarshal(value, &n); err != nil {
			return fmt.Errorf("decode next series id: %w", err)
		}
		s.nextID = n
	case strings.HasPrefix(string(key), string(metaDevicePrefix)):
		var r deviceRecord
		if err := json.Unmarshal(value, &r); err != nil {
			return fmt.Errorf("decode device %s: %w", key, err)
		}
		d := &device{path: r.Path, aligned: r.Aligned, database: r.Database, series: make(map[string]*Entry, len(r.Series)), altered: r.Altered}
		for _, sr := range r.Series {
			d.series[sr.Name] = &Entry{ID: sr.ID, Series: model.Series{
				Path: d.path.Append(sr.Name), Type: model.DataType(sr.Type), Encoding: model.Encoding(sr.Encoding),
				Compressor: model.Compressor(sr.Compressor), Alias: sr.Alias, Aligned: d.aligned, Database: d.database,
				Tags: sr.Tags, Attributes: sr.Attributes}}
			d.setAlias(sr.Name, "", sr.Alias)
		}
		s.devices[d.path.String()] = d
	}
	return nil
}

// match returns the entries whose path matches pattern, sorted by path.
func (s *schema) match(pattern model.Path) []Entry {
	if len(pattern) >= 2 && !pattern.HasWildcard() { // one series: no walk
		if d := s.devices[pattern.Parent().String()]; d != nil && d.series[pattern.Last()] != nil {
			return []Entry{*d.series[pattern.Last()]}
		}
		return nil
	}
	var out []Entry
	for _, d := range s.devices {
		if !d.path.MayMatchBelow(pattern) {
			continue
		}
		for _, e := range d.series {
			if e.Path.Matches(pattern) {
				out = append(out, *e)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return lessPath(out[i].Path, out[j].Path) })
	return out
}

// lessPath orders paths node by node, as IoTDB lists them.
func lessPath(a, b model.Path) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}
