package tsfiletool

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestProgressLine(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, "Importing", 200)
	p.add(50, 50)
	if l := p.line(); !strings.HasPrefix(l, "Importing [=======>                      ]  25% 50 points, ") {
		t.Errorf("line %q", l)
	}
	p.add(150, 150)
	p.finish()
	if l := b.String(); !strings.HasPrefix(l, "Importing [==============================] 100% 200 points, ") || strings.Contains(l, "\r") {
		t.Errorf("final output %q", l)
	}
	q := newProgress(&b, "Exporting", 0)
	q.add(0, 7)
	if l := q.line(); !strings.HasPrefix(l, "Exporting: 7 points, ") {
		t.Errorf("line without a total %q", l)
	}
}

func TestCommandLines(t *testing.T) {
	for _, c := range []struct {
		run  func(context.Context, []string, *bytes.Buffer, *bytes.Buffer) int
		args []string
		code int
		want string
	}{
		{runImport, nil, 2, "-s <file or directory> is required"},
		{runImport, []string{"-s", "x", "extra"}, 2, `unexpected argument "extra"`},
		{runImport, []string{"-s", "x", "-os", "move"}, 2, `-os must be none or delete, not "move"`},
		{runImport, []string{"-s", "/nonexistent/dir"}, 1, "/nonexistent/dir: file or directory not found"},
		{runImport, []string{"-s", "x", "-p", "0"}, 1, "x: file or directory not found"},
		{runExport, nil, 2, "-t <target directory> is required"},
		{runExport, []string{"-t", "d", "-batch", "0"}, 2, "-batch must be positive"},
		{runExport, []string{"-t", t.TempDir(), "-p", "70000"}, 1, "invalid port 70000"},
	} {
		var out, errOut bytes.Buffer
		if code := c.run(context.Background(), c.args, &out, &errOut); code != c.code || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errOut.String(), c.code, c.want)
		}
	}
}

func runImport(ctx context.Context, args []string, out, errOut *bytes.Buffer) int {
	return Import(ctx, args, out, errOut)
}

func runExport(ctx context.Context, args []string, out, errOut *bytes.Buffer) int {
	return Export(ctx, args, out, errOut)
}
