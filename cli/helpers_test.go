package cli

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// checkGolden compares got with testdata/name, or rewrites the file under
// -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update if the change is intended)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

// sliceRows is an in-memory result.
type sliceRows struct {
	names    []string
	withTime bool
	data     []row
	err      error // returned once data is exhausted, if set
	pos      int
	closed   bool
}

func (s *sliceRows) columns() []string { return s.names }
func (s *sliceRows) hasTime() bool     { return s.withTime }

func (s *sliceRows) next(ctx context.Context, r *row) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if s.pos >= len(s.data) {
		return false, s.err
	}
	r.time = s.data[s.pos].time
	r.values = append(r.values[:0], s.data[s.pos].values...)
	s.pos++
	return true, nil
}

func (s *sliceRows) close() error {
	s.closed = true
	return nil
}

// fakeExecutor answers statements from a table, matched with white space
// collapsed. Statements it does not
// know succeed without a result set.
type fakeExecutor struct {
	results map[string]func() rows
	errs    map[string]error
	ran     []string
	opened  []*sliceRows
	closed  bool
}

func (f *fakeExecutor) execute(ctx context.Context, sql string) (rows, error) {
	f.ran = append(f.ran, sql)
	key := strings.Join(strings.Fields(sql), " ")
	if err := f.errs[key]; err != nil {
		return nil, err
	}
	if mk := f.results[key]; mk != nil {
		rs := mk()
		if s, ok := rs.(*sliceRows); ok {
			f.opened = append(f.opened, s)
		}
		return rs, nil
	}
	return nil, nil
}

func (f *fakeExecutor) close() error {
	f.closed = true
	return nil
}
