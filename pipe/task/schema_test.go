package task

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe"
)

// schemaChange appends a creation or alteration entry of series.
func (r *fakeRegion) schemaChange(series ...model.Series) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.applied++
	r.entries = append(r.entries, Entry{Index: r.applied, Schema: series, Appended: appendedAt(r.applied)})
	r.notifyLocked()
	return r.applied
}

// arrivals lists what the batches carry, in the order a receiver applies
// it: each batch's schema ("schema <path>"), then its tablets' series
// ("data <path>").
func arrivals(bs []*pipe.Batch) []string {
	var out []string
	for _, b := range bs {
		for _, s := range b.Schema {
			out = append(out, "schema "+s.Path.String())
		}
		for _, tb := range b.Tablets {
			for _, m := range tb.Measurements {
				out = append(out, "data "+tb.Device.Append(m).String())
			}
		}
	}
	return out
}

func TestSchemaBeforeData(t *testing.T) {
	tagged := func(p string, tag string) model.Series {
		return model.Series{Path: mustPath(p), Type: model.Int64, Tags: map[string]string{"k": tag}}
	}
	for _, tc := range []struct {
		name           string
		schema, noData bool
		inFlight       int
	}{
		{"schema and data", true, false, 1},
		{"schema and data, parallel sink", true, false, 4},
		{"schema only", true, true, 1},
		{"data only (default)", false, false, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, s, rec := newRegion(), &fakeSink{inFlight: tc.inFlight}, newRecorder(t)
			// Schema is acknowledged late: a parallel sink would see later
			// batches acknowledged first unless the task waits for it.
			s.script = func(_ context.Context, _ int, b *pipe.Batch, _ func()) error {
				if len(b.Schema) > 0 {
					time.Sleep(20 * time.Millisecond)
				}
				return nil
			}
			r.writes(3) // history: root.sg.d0..d2 s1, s2 and root.other.d.s1
			cfg := defaultConfig(r, s, newFilter("root.sg"))
			cfg.Schema, cfg.NoData, cfg.BatchPoints = tc.schema, tc.noData, 4
			run := start(t, cfg, rec)
			eventually(t, "history sent", func() bool { return rec.last().Index == 3 })
			r.schemaChange(tagged("root.sg.d1.s1", "v2"), tagged("root.other.d.s1", "x"))
			r.writes(1) // entry 5: root.sg.d2
			eventually(t, "frontier at 5", func() bool { return rec.last().Index == 5 })
			if err := run.stop(); err != nil {
				t.Fatal(err)
			}

			got := arrivals(s.ackedBatches())
			schemaSeen, dataSeen := map[string]bool{}, map[string]bool{}
			for _, a := range got {
				var kind, path string
				fmt.Sscan(a, &kind, &path)
				if kind == "data" {
					if tc.noData {
						t.Errorf("data sent without data.insert: %s", a)
					}
					if tc.schema && !schemaSeen[path] {
						t.Errorf("data of %s before its schema: %q", path, got)
					}
					dataSeen[path] = true
				} else {
					if !tc.schema {
						t.Errorf("schema sent without schema inclusion: %s", a)
					}
					if !cfg.Filter.Matches(mustPath(path)) {
						t.Errorf("schema of %s, outside the pattern", path)
					}
					schemaSeen[path] = true
				}
			}
			if tc.schema {
				for _, p := range []string{"root.sg.d0.s1", "root.sg.d1.s2", "root.sg.d2.s1"} {
					if !schemaSeen[p] {
						t.Errorf("no schema of snapshot series %s: %q", p, got)
					}
				}
				var realtime []model.Series
				for _, b := range s.ackedBatches() {
					for _, sr := range b.Schema {
						if sr.Tags["k"] != "" {
							realtime = append(realtime, sr)
						}
					}
				}
				if len(realtime) != 1 || realtime[0].Path.String() != "root.sg.d1.s1" || realtime[0].Tags["k"] != "v2" {
					t.Errorf("realtime schema %+v, want root.sg.d1.s1 with k=v2 only", realtime)
				}
			}
			if !tc.noData && !dataSeen["root.sg.d2.s1"] {
				t.Errorf("no realtime data: %q", got)
			}
			checkEnd(t, r, s, rec)
		})
	}
}

func mustPath(s string) model.Path {
	p, err := model.ParseFullPath(s)
	if err != nil {
		panic(err)
	}
	return p
}
