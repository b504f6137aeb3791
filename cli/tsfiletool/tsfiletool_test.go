package tsfiletool

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/model"
)

func TestTabletsReqLayout(t *testing.T) {
	tab := &model.Tablet{
		Device:       model.Path{"root", "sg", "d1"},
		Measurements: []string{"i", "s"},
		Times:        []int64{1, 258},
		Columns: []model.Column{
			{Type: model.Int32, Int32s: []int32{-1, 7}},
			{Type: model.Text, Texts: []string{"", "ab"}, Nulls: []bool{true, false}},
		},
	}
	req := tabletsReq([]*model.Tablet{tab}, true)
	if !req.GetIsAligned() || req.PrefixPaths[0] != "root.sg.d1" || req.SizeList[0] != 2 {
		t.Fatalf("request %+v", req)
	}
	if got := req.TypesList[0]; len(got) != 2 || got[0] != 1 || got[1] != 5 {
		t.Errorf("types %v, want [1 5]", got)
	}
	wantTimes := []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 2}
	if !bytes.Equal(req.TimestampsList[0], wantTimes) {
		t.Errorf("times % x", req.TimestampsList[0])
	}
	want := []byte{
		0xff, 0xff, 0xff, 0xff, 0, 0, 0, 7, // INT32 column
		0, 0, 0, 0, 0, 0, 0, 2, 'a', 'b', // TEXT column: the null row is an empty placeholder
		0,       // column i has no nulls
		1, 0x01, // column s: bitmap, row 0 null
	}
	if !bytes.Equal(req.ValuesList[0], want) {
		t.Errorf("values\n got % x\nwant % x", req.ValuesList[0], want)
	}
	tab.Columns[1].Nulls = nil
	if got := tabletValues(tab); len(got) != 18 {
		t.Errorf("without nulls the values carry no bitmaps: %d bytes, want 18", len(got))
	}
}

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
