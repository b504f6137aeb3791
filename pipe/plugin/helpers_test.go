package plugin

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// attrs builds a clause as the parser produces it: key, value, key, value...
func attrs(kv ...string) []ast.Attribute {
	if len(kv)%2 != 0 {
		panic("BUG: attrs needs key-value pairs")
	}
	out := []ast.Attribute{}
	for i := 0; i < len(kv); i += 2 {
		out = append(out, ast.Attribute{Key: kv[i], Value: kv[i+1]})
	}
	return out
}

// minimalSink is a valid SINK clause for tests about the other clauses.
var minimalSink = attrs("sink", "iotdb-thrift-sink", "sink.ip", "127.0.0.1", "sink.port", "6667")

func path(t *testing.T, s string) model.Path {
	t.Helper()
	p, err := model.ParseFullPath(s)
	if err != nil {
		t.Fatalf("ParseFullPath(%q): %v", s, err)
	}
	return p
}

// wantPipeError checks err is a PipeError whose message has every part.
func wantPipeError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", parts)
	}
	var se *status.Error
	if !errors.As(err, &se) || se.Code != status.PipeError {
		t.Errorf("error %q has code %d, want %d", err, status.CodeOf(err), status.PipeError)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

func ms(year int, month time.Month, day, hour, min, sec, nsec int, loc *time.Location) int64 {
	return time.Date(year, month, day, hour, min, sec, nsec, loc).UnixMilli()
}
