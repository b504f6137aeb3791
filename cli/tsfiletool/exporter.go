package tsfiletool

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/cli"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/tsfile"
)

// exportFetchSize is the rows of one result page.
const exportFetchSize = 4096

// Export runs `sluice export-tsfile` with args (after the command name) and
// returns the exit code: 0 on success, 1 when the export failed (no partial
// file is left), 2 for a bad command line.
func Export(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sluice export-tsfile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var conn cli.ConnFlags
	conn.Register(fs)
	conn.SetFetchSize(exportFetchSize)
	var target string
	fs.StringVar(&target, "t", "", "target `directory` (created if missing)")
	fs.StringVar(&target, "td", "", "same as -t (IoTDB's name)")
	name := fs.String("f", "dump", "file `name` in the target directory; .tsfile is appended if missing")
	pattern := fs.String("path", "root.**", "path `pattern` of the devices to export, device by device (a database: root.db.**)")
	query := fs.String("q", "", "export the result of this raw SELECT instead of -path")
	batch := fs.Int("batch", defaultBatchPoints, "most values buffered before a chunk group is written")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: sluice export-tsfile -t <dir> [-f name] [-path pattern | -q 'select ...'] [-h host] [-p port] [-u user] [-pw password] [-usessl true [-ts ca.pem]]\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "sluice export-tsfile: unexpected argument %q\n", fs.Arg(0))
		return 2
	case target == "":
		fmt.Fprintln(stderr, "sluice export-tsfile: -t <target directory> is required")
		return 2
	case *batch <= 0:
		fmt.Fprintln(stderr, "sluice export-tsfile: -batch must be positive")
		return 2
	}
	out := filepath.Join(target, *name)
	if !strings.HasSuffix(out, ".tsfile") {
		out += ".tsfile"
	}
	c, err := conn.Dial(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "sluice export-tsfile: %v\n", err)
		return 1
	}
	defer c.Close()
	e := &exporter{conn: c, budget: *batch}
	if err := e.run(ctx, out, *pattern, *query, stdout); err != nil {
		fmt.Fprintf(stderr, "sluice export-tsfile: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "Export completely! %d devices, %d points to %s\n", e.devices, e.bar.points, out)
	return 0
}

// exporter writes query results into one TsFile.
type exporter struct {
	conn    *cli.Conn
	budget  int
	w       *tsfile.Writer
	aligned map[string]bool
	bar     *progress
	devices int
}

// run writes out (through a temporary file renamed at the end, so a failed
// export leaves nothing that looks complete).
func (e *exporter) run(ctx context.Context, out, pattern, query string, stdout io.Writer) (err error) {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	devices, err := e.showDevices(ctx, pattern)
	if err != nil {
		return err
	}
	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	e.w = tsfile.NewWriter(f, tsfile.WriterConfig{})
	if query != "" {
		e.bar = newProgress(stdout, "Exporting", 0)
		if err := e.export(ctx, query); err != nil {
			return err
		}
	} else {
		e.bar = newProgress(stdout, "Exporting", int64(len(devices)))
		for _, d := range devices {
			if err := e.export(ctx, "select * from "+d); err != nil {
				return fmt.Errorf("device %s: %w", d, err)
			}
			e.bar.add(1, 0)
		}
	}
	e.bar.finish()
	if err := e.w.Close(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}

// showDevices lists the devices of pattern and records which are aligned.
func (e *exporter) showDevices(ctx context.Context, pattern string) ([]string, error) {
	e.aligned = map[string]bool{}
	rows, err := e.conn.Query(ctx, "show devices "+pattern)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if len(rows.Columns()) < 2 {
		return nil, fmt.Errorf("SHOW DEVICES returned columns %v", rows.Columns())
	}
	var out []string
	for {
		ok, err := rows.Next(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		v := rows.Values()
		name := fmt.Sprint(v[0])
		aligned, _ := strconv.ParseBool(fmt.Sprint(v[1]))
		e.aligned[name] = aligned
		out = append(out, name)
	}
}

// export streams the rows of a raw query into chunk groups, one buffer per
// device of the result's columns, each written out when full.
func (e *exporter) export(ctx context.Context, sql string) error {
	rows, err := e.conn.Query(ctx, sql)
	if err != nil {
		return err
	}
	defer rows.Close()
	bufs, err := e.buffers(rows)
	if err != nil {
		return err
	}
	e.devices += len(bufs)
	width := 0
	for _, b := range bufs {
		width += len(b.tab.Series)
	}
	n := max(1, e.budget/max(1, width))
	for {
		ok, err := rows.Next(ctx)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		for _, b := range bufs {
			if b.addRow(rows.Time(), rows.Values()) {
				e.bar.add(0, int64(b.lastPoints))
			}
			if len(b.tab.Times) >= n {
				if err := b.flush(e.w); err != nil {
					return err
				}
			}
		}
	}
	for _, b := range bufs {
		if err := b.flush(e.w); err != nil {
			return err
		}
	}
	return nil
}

// deviceBuf collects the rows of one device of a result.
type deviceBuf struct {
	tab        *tsfile.Tablet
	fields     []int // result field index of each series
	lastPoints int
}

// buffers groups the result's columns (full series paths) by device.
func (e *exporter) buffers(rows *cli.Rows) ([]*deviceBuf, error) {
	byDevice := map[string]*deviceBuf{}
	var order []*deviceBuf
	types := rows.Types()
	for i, name := range rows.Columns() {
		p, err := model.ParseFullPath(name)
		if err != nil || len(p) < 3 {
			return nil, fmt.Errorf("column %q is not a series path: export raw SELECTs without aliases or expressions", name)
		}
		dev := p.Parent().String()
		t, err := tsfileType(types[i])
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", name, err)
		}
		b := byDevice[dev]
		if b == nil {
			b = &deviceBuf{tab: &tsfile.Tablet{Device: dev, Aligned: e.aligned[dev]}}
			byDevice[dev] = b
			order = append(order, b)
		}
		b.tab.Series = append(b.tab.Series, tsfile.SeriesSchema{Name: p[len(p)-1], Type: t})
		b.tab.Columns = append(b.tab.Columns, tsfile.Column{Type: t})
		b.tab.Nulls = append(b.tab.Nulls, nil)
		b.fields = append(b.fields, i)
	}
	return order, nil
}

// tsfileType maps a result column's IoTDB type name to the TsFile type.
func tsfileType(name string) (tsfile.DataType, error) {
	switch name {
	case "BOOLEAN":
		return tsfile.Boolean, nil
	case "INT32":
		return tsfile.Int32, nil
	case "INT64":
		return tsfile.Int64, nil
	case "FLOAT":
		return tsfile.Float, nil
	case "DOUBLE":
		return tsfile.Double, nil
	case "TEXT":
		return tsfile.Text, nil
	}
	return 0, fmt.Errorf("type %s cannot be exported", name)
}

// addRow appends the device's cells of a result row; a row in which the
// device has no value is skipped. It reports whether the row was added.
func (b *deviceBuf) addRow(ts int64, values []any) bool {
	n := 0
	for _, fi := range b.fields {
		if values[fi] != nil {
			n++
		}
	}
	b.lastPoints = n
	if n == 0 {
		return false
	}
	b.tab.Times = append(b.tab.Times, ts)
	for k, fi := range b.fields {
		v := values[fi]
		c := &b.tab.Columns[k]
		b.tab.Nulls[k] = append(b.tab.Nulls[k], v == nil)
		switch c.Type {
		case tsfile.Boolean:
			x, _ := v.(bool)
			c.Bools = append(c.Bools, x)
		case tsfile.Int32:
			x, _ := v.(int32)
			c.Int32s = append(c.Int32s, x)
		case tsfile.Int64:
			x, _ := v.(int64)
			c.Int64s = append(c.Int64s, x)
		case tsfile.Float:
			x, _ := v.(float32)
			c.Floats = append(c.Floats, x)
		case tsfile.Double:
			x, _ := v.(float64)
			c.Doubles = append(c.Doubles, x)
		case tsfile.Text:
			x, _ := v.(string)
			c.Texts = append(c.Texts, []byte(x))
		}
	}
	return true
}

// flush writes the buffered rows as one chunk group and empties the buffer.
func (b *deviceBuf) flush(w *tsfile.Writer) error {
	if len(b.tab.Times) == 0 {
		return nil
	}
	if err := w.Write(b.tab); err != nil {
		return fmt.Errorf("write %s: %w", b.tab.Device, err)
	}
	b.tab.Times = b.tab.Times[:0]
	for k := range b.tab.Columns {
		c := &b.tab.Columns[k]
		*c = tsfile.Column{Type: c.Type, Bools: c.Bools[:0], Int32s: c.Int32s[:0], Int64s: c.Int64s[:0],
			Floats: c.Floats[:0], Doubles: c.Doubles[:0], Texts: c.Texts[:0]}
		b.tab.Nulls[k] = b.tab.Nulls[k][:0]
	}
	return nil
}
