package region

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

func cmdLog(index uint64, cmd []byte) *raft.Log {
	return &raft.Log{Index: index, Type: raft.LogCommand, Data: cmd}
}

func tagged(m, alias string, tags, attrs map[string]string) model.Series {
	return model.Series{Path: sgPath("d", m), Type: model.Float, Encoding: model.Gorilla, Database: "root.sg",
		Alias: alias, Tags: tags, Attributes: attrs}
}

func applyCode(t *testing.T, f *FSM, index uint64, cmd []byte) status.Code {
	t.Helper()
	resp := f.Apply(cmdLog(index, cmd))
	if resp == nil {
		return status.Success
	}
	err, ok := resp.(error)
	if !ok {
		t.Fatalf("response %v is %T", resp, resp)
	}
	return status.CodeOf(err)
}

// TestTagsPersistAndSnapshot creates tagged series, alters them, and finds
// the tags after a reopen and in a replica restored from a snapshot.
func TestTagsPersistAndSnapshot(t *testing.T) {
	dir := t.TempDir()
	f, eng, _ := openFSM(t, dir)
	s1 := tagged("s1", "temp", map[string]string{"unit": "c"}, map[string]string{"owner": "a"})
	s2 := tagged("s2", "", nil, nil)
	if code := applyCode(t, f, 1, CreateSeriesCommand([]model.Series{s1, s2})); code != status.Success {
		t.Fatalf("create: %d", code)
	}
	if code := applyCode(t, f, 2, AlterSeriesCommand(&ast.AlterTimeseries{Path: s2.Path, Kind: ast.AlterAddTags,
		Pairs: map[string]string{"unit": "f"}})); code != status.Success {
		t.Fatalf("add tags: %d", code)
	}
	want := map[string]model.Series{}
	for _, e := range f.Match(sgPath("**")) {
		want[e.Path.String()] = e.Series
	}
	if got := want["root.sg.d.s2"].Tags; !reflect.DeepEqual(got, map[string]string{"unit": "f"}) {
		t.Fatalf("s2 tags %v", got)
	}
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	_, rc, err := f.OpenSnapshot(bytes.NewReader(sink.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	stream, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}

	reopened, eng2, _ := openFSM(t, dir)
	defer eng2.Close()
	dst, dstEng, _ := openFSM(t, t.TempDir())
	defer dstEng.Close()
	if err := dst.Restore(io.NopCloser(bytes.NewReader(stream))); err != nil {
		t.Fatal(err)
	}
	for name, g := range map[string]*FSM{"reopened": reopened, "restored": dst} {
		got := map[string]model.Series{}
		for _, e := range g.Match(sgPath("**")) {
			got[e.Path.String()] = e.Series
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s schema\n got %+v\nwant %+v", name, got, want)
		}
		if byAlias := g.Match(sgPath("d", "temp")); len(byAlias) != 1 || byAlias[0].Measurement() != "s1" {
			t.Errorf("%s: the alias temp matches %v", name, byAlias)
		}
	}
}

// TestCreateSeriesV1Entries applies a creation in the encoding older
// binaries logged (type 2, no tags): it must decode the same forever.
func TestCreateSeriesV1Entries(t *testing.T) {
	f, eng, _ := openFSM(t, t.TempDir())
	defer eng.Close()
	s := tagged("s", "al", nil, nil)
	e := encoder{}
	e.byte(byte(cmdCreateSeries))
	e.uvarint(1)
	e.spec(&s)
	if err := ValidateCommand(e.b); err != nil {
		t.Fatal(err)
	}
	if code := applyCode(t, f, 1, e.b); code != status.Success {
		t.Fatalf("apply: %d", code)
	}
	if got := f.Match(s.Path); len(got) != 1 || got[0].Alias != "al" || got[0].Tags != nil {
		t.Fatalf("schema %+v", got)
	}
}

func TestAliasClashes(t *testing.T) {
	f, eng, _ := openFSM(t, t.TempDir())
	defer eng.Close()
	if code := applyCode(t, f, 1, CreateSeriesCommand([]model.Series{tagged("s1", "temp", nil, nil), tagged("s2", "", nil, nil)})); code != status.Success {
		t.Fatal(code)
	}
	cases := []struct {
		name string
		cmd  []byte
		want status.Code
	}{
		{"new alias is an alias", CreateSeriesCommand([]model.Series{tagged("s3", "temp", nil, nil)}), status.AliasAlreadyExist},
		{"new alias is a name", CreateSeriesCommand([]model.Series{tagged("s3", "s2", nil, nil)}), status.AliasAlreadyExist},
		{"new name is an alias", CreateSeriesCommand([]model.Series{tagged("temp", "", nil, nil)}), status.TimeseriesAlreadyExist},
		{"alias is its own name", CreateSeriesCommand([]model.Series{tagged("s3", "s3", nil, nil)}), status.AliasAlreadyExist},
		{"two aliases in a batch", CreateSeriesCommand([]model.Series{tagged("s3", "x", nil, nil), tagged("s4", "x", nil, nil)}), status.AliasAlreadyExist},
		{"upsert alias of another", AlterSeriesCommand(&ast.AlterTimeseries{Path: sgPath("d", "s2"), Kind: ast.AlterUpsert, Alias: "temp"}), status.AliasAlreadyExist},
		{"upsert alias is a name", AlterSeriesCommand(&ast.AlterTimeseries{Path: sgPath("d", "s2"), Kind: ast.AlterUpsert, Alias: "s1"}), status.AliasAlreadyExist},
		{"alter a missing series", AlterSeriesCommand(&ast.AlterTimeseries{Path: sgPath("d", "zz"), Kind: ast.AlterDrop, Keys: []string{"a"}}), status.PathNotExist},
		{"too many tag bytes", CreateSeriesCommand([]model.Series{tagged("s3", "", map[string]string{"k": strings.Repeat("v", MaxTagBytes)}, nil)}), status.MetadataError},
		{"same alias again", AlterSeriesCommand(&ast.AlterTimeseries{Path: sgPath("d", "s1"), Kind: ast.AlterUpsert, Alias: "temp"}), status.Success},
		{"new alias", AlterSeriesCommand(&ast.AlterTimeseries{Path: sgPath("d", "s2"), Kind: ast.AlterUpsert, Alias: "other"}), status.Success},
	}
	for i, c := range cases {
		if err := ValidateCommand(c.cmd); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := applyCode(t, f, uint64(i+2), c.cmd); got != c.want {
			t.Errorf("%s: code %d, want %d", c.name, got, c.want)
		}
	}
	got := map[string]string{}
	for _, e := range f.Match(sgPath("d", "*")) {
		got[e.Measurement()] = e.Alias
	}
	if want := map[string]string{"s1": "temp", "s2": "other"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("aliases %v, want %v", got, want)
	}
	// An alias replaced or dropped with its series is free again.
	n := uint64(len(cases) + 2)
	for i, cmd := range [][]byte{
		AlterSeriesCommand(&ast.AlterTimeseries{Path: sgPath("d", "s2"), Kind: ast.AlterUpsert, Alias: "third"}),
		DeleteSeriesCommand([]model.Path{sgPath("d", "s1")}),
		CreateSeriesCommand([]model.Series{tagged("s5", "temp", nil, nil), tagged("s6", "other", nil, nil)}),
	} {
		if code := applyCode(t, f, n+uint64(i), cmd); code != status.Success {
			t.Fatalf("step %d: code %d", i, code)
		}
	}
	if m := f.Match(sgPath("d", "other")); len(m) != 1 || m[0].Measurement() != "s6" {
		t.Fatalf("other matches %v", m)
	}
}

// TestAlterSeries runs every ALTER TIMESERIES operation on one series as IoTDB's
// user guide does, with its errors.
func TestAlterSeries(t *testing.T) {
	base := model.Series{Path: model.Path{"root", "turbine", "d1", "s1"}, Alias: "temprature",
		Tags: map[string]string{"tag1": "v1", "tag2": "v2"}, Attributes: map[string]string{"attr1": "v1", "attr2": "v2"}}
	type m = map[string]string
	cases := []struct {
		name        string
		a           ast.AlterTimeseries
		tags, attrs m
		alias       string
		err         string
	}{
		{name: "rename tag", a: ast.AlterTimeseries{Kind: ast.AlterRename, Keys: []string{"tag1", "newTag1"}},
			tags: m{"newTag1": "v1", "tag2": "v2"}, attrs: base.Attributes},
		{name: "rename attribute", a: ast.AlterTimeseries{Kind: ast.AlterRename, Keys: []string{"attr2", "a2"}},
			tags: base.Tags, attrs: m{"attr1": "v1", "a2": "v2"}},
		{name: "rename unknown", a: ast.AlterTimeseries{Kind: ast.AlterRename, Keys: []string{"nope", "x"}},
			err: "TimeSeries [root.turbine.d1.s1] does not have tag/attribute [nope]."},
		{name: "rename onto existing", a: ast.AlterTimeseries{Kind: ast.AlterRename, Keys: []string{"tag1", "attr1"}},
			err: "TimeSeries [root.turbine.d1.s1] already has a tag/attribute named [attr1]."},
		{name: "set", a: ast.AlterTimeseries{Kind: ast.AlterSet, Pairs: m{"tag1": "newV1", "attr1": "newV1"}},
			tags: m{"tag1": "newV1", "tag2": "v2"}, attrs: m{"attr1": "newV1", "attr2": "v2"}},
		{name: "set unknown", a: ast.AlterTimeseries{Kind: ast.AlterSet, Pairs: m{"tag1": "x", "nope": "y"}},
			err: "TimeSeries [root.turbine.d1.s1] does not have tag/attribute [nope]."},
		{name: "drop, unknown ignored", a: ast.AlterTimeseries{Kind: ast.AlterDrop, Keys: []string{"tag1", "attr2", "nope"}},
			tags: m{"tag2": "v2"}, attrs: m{"attr1": "v1"}},
		{name: "drop all", a: ast.AlterTimeseries{Kind: ast.AlterDrop, Keys: []string{"tag1", "tag2", "attr1", "attr2"}}},
		{name: "add tags", a: ast.AlterTimeseries{Kind: ast.AlterAddTags, Pairs: m{"tag3": "v3", "tag1": "x"}},
			tags: m{"tag1": "x", "tag2": "v2", "tag3": "v3"}, attrs: base.Attributes},
		{name: "add tag that is an attribute", a: ast.AlterTimeseries{Kind: ast.AlterAddTags, Pairs: m{"attr1": "x"}},
			err: "Tag and attribute shouldn't have the same property key [attr1] (series root.turbine.d1.s1)"},
		{name: "add attributes", a: ast.AlterTimeseries{Kind: ast.AlterAddAttributes, Pairs: m{"attr3": "v3"}},
			tags: base.Tags, attrs: m{"attr1": "v1", "attr2": "v2", "attr3": "v3"}},
		{name: "add attribute that is a tag", a: ast.AlterTimeseries{Kind: ast.AlterAddAttributes, Pairs: m{"tag2": "x"}},
			err: "Tag and attribute shouldn't have the same property key [tag2] (series root.turbine.d1.s1)"},
		{name: "upsert", a: ast.AlterTimeseries{Kind: ast.AlterUpsert, Alias: "newAlias", Tags: m{"tag3": "v3", "tag4": "v4"}, Attributes: m{"attr3": "v3"}},
			tags: m{"tag1": "v1", "tag2": "v2", "tag3": "v3", "tag4": "v4"}, attrs: m{"attr1": "v1", "attr2": "v2", "attr3": "v3"}, alias: "newAlias"},
		{name: "upsert attribute that is a tag", a: ast.AlterTimeseries{Kind: ast.AlterUpsert, Attributes: m{"tag1": "x"}},
			err: "Tag and attribute shouldn't have the same property key [tag1] (series root.turbine.d1.s1)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := c.a
			a.Path = base.Path
			got, err := alterSeries(base, &a)
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			alias := c.alias
			if alias == "" {
				alias = base.Alias
			}
			if !reflect.DeepEqual(got.Tags, c.tags) || !reflect.DeepEqual(got.Attributes, c.attrs) || got.Alias != alias {
				t.Fatalf("got tags %v attrs %v alias %q, want %v %v %q", got.Tags, got.Attributes, got.Alias, c.tags, c.attrs, alias)
			}
		})
	}
	if base.Tags["tag1"] != "v1" || len(base.Tags) != 2 || len(base.Attributes) != 2 {
		t.Fatalf("alterSeries changed its input: %+v", base)
	}
}

// TestMatchByAlias: reads find a series by its alias, in every device the
// pattern names; wildcards and deletions do not use aliases.
func TestMatchByAlias(t *testing.T) {
	f, eng, _ := openFSM(t, t.TempDir())
	defer eng.Close()
	other := model.Series{Path: model.Path{"root", "sg", "e", "temp"}, Type: model.Int32, Database: "root.sg"}
	if code := applyCode(t, f, 1, CreateSeriesCommand([]model.Series{tagged("s1", "temp", nil, nil), tagged("s2", "", nil, nil), other})); code != status.Success {
		t.Fatal(code)
	}
	paths := func(es []Entry) string {
		var out []string
		for _, e := range es {
			out = append(out, e.Path.String())
		}
		return strings.Join(out, " ")
	}
	for pattern, want := range map[string]string{
		"root.sg.d.temp": "root.sg.d.s1",
		"root.sg.*.temp": "root.sg.d.s1 root.sg.e.temp",
		"root.**.temp":   "root.sg.d.s1 root.sg.e.temp",
		"root.sg.d.*":    "root.sg.d.s1 root.sg.d.s2",
		"root.sg.d.s1":   "root.sg.d.s1",
		"root.sg.x.temp": "",
	} {
		p, err := model.ParsePath(pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := paths(f.Match(p)); got != want {
			t.Errorf("Match(%s) = %q, want %q", pattern, got, want)
		}
	}
	if code := applyCode(t, f, 2, DeleteSeriesCommand([]model.Path{sgPath("d", "temp")})); code != status.PathNotExist {
		t.Fatalf("DELETE TIMESERIES by alias: code %d, want %d", code, status.PathNotExist)
	}
	// A write naming an alias would auto-create a series that the alias
	// also names: refused.
	tb := &model.Tablet{Device: sgPath("d"), Measurements: []string{"temp"}, Times: []int64{1},
		Columns: []model.Column{{Type: model.Float, Float32s: []float32{1}}}}
	if err := f.Check(tb, true); status.CodeOf(err) != status.AliasAlreadyExist {
		t.Fatalf("Check of a write by alias: %v", err)
	}
	if code := applyCode(t, f, 3, WriteCommand([]*model.Tablet{tb}, WriteOptions{Database: "root.sg", AutoCreate: true})); code != status.AliasAlreadyExist {
		t.Fatalf("write by alias: code %d", code)
	}
	if got := paths(f.Match(sgPath("d", "*"))); got != "root.sg.d.s1 root.sg.d.s2" {
		t.Fatalf("after a refused write by alias: %s", got)
	}
}

// TestAlterReplay restarts a region whose metadata holds alterations past
// its durable index and replays them as Raft does: the result is the state
// before the restart, though replaying ADD TAGS a then RENAME a TO b onto
// {b} would otherwise leave both keys.
func TestAlterReplay(t *testing.T) {
	dir := t.TempDir()
	f, eng, _ := openFSM(t, dir)
	p := sgPath("d", "s1")
	log := []*raft.Log{
		cmdLog(1, CreateSeriesCommand([]model.Series{tagged("s1", "", nil, nil)})),
		cmdLog(2, AlterSeriesCommand(&ast.AlterTimeseries{Path: p, Kind: ast.AlterAddTags, Pairs: map[string]string{"a": "1"}})),
		cmdLog(3, AlterSeriesCommand(&ast.AlterTimeseries{Path: p, Kind: ast.AlterRename, Keys: []string{"a", "b"}})),
	}
	for _, l := range log {
		if resp := f.Apply(l); resp != nil {
			t.Fatalf("entry %d: %v", l.Index, resp)
		}
	}
	if err := eng.Close(); err != nil { // no flush: durable index 0
		t.Fatal(err)
	}
	f, eng, _ = openFSM(t, dir)
	defer eng.Close()
	if f.AppliedIndex() != 0 {
		t.Fatalf("reopened at %d, want 0", f.AppliedIndex())
	}
	for _, l := range log {
		f.Apply(l)
	}
	e, ok := f.Entry(p)
	if want := map[string]string{"b": "1"}; !ok || !reflect.DeepEqual(e.Tags, want) {
		t.Fatalf("tags after replay %v, want %v", e.Tags, want)
	}
}

// BenchmarkMatch reads one series by name and by alias from a region of
// 10,000 devices of 10 series, one in ten devices with aliases.
func BenchmarkMatch(b *testing.B) {
	f, eng, _ := openFSM(b, b.TempDir())
	defer eng.Close()
	var specs []model.Series
	for d := range 10000 {
		for m := range 10 {
			s := model.Series{Path: sgPath(fmt.Sprintf("d%d", d), fmt.Sprintf("s%d", m)), Type: model.Int64, Database: "root.sg"}
			if d%10 == 0 {
				s.Alias = fmt.Sprintf("a%d", m)
			}
			specs = append(specs, s)
		}
	}
	if resp := f.Apply(cmdLog(1, CreateSeriesCommand(specs))); resp != nil {
		b.Fatal(resp)
	}
	for _, c := range []struct{ name, pattern string }{
		{"name", "root.sg.d5000.s3"}, {"alias", "root.sg.d5000.a3"}, {"wildcard", "root.sg.*.s3"},
	} {
		p, err := model.ParsePath(c.pattern)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if len(f.Match(p)) == 0 {
					b.Fatal("no match")
				}
			}
		})
	}
}
