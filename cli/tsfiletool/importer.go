package tsfiletool

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/sluicedb/sluice/cli"
	"github.com/sluicedb/sluice/clientwire"
	"github.com/sluicedb/sluice/load"
	"github.com/sluicedb/sluice/model"
)

// defaultBatchPoints is how many values one insertTablets request carries
// at most.
const defaultBatchPoints = 65536

// Import runs `sluice import-tsfile` with args (after the command name) and
// returns the exit code: 0 when every file loaded, 1 when any failed (the
// others are still loaded, and each failure is named), 2 for a bad
// command line.
func Import(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sluice import-tsfile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var conn cli.ConnFlags
	conn.Register(fs)
	src := fs.String("s", "", "TsFile or directory of TsFiles (searched recursively) to import")
	onSuccess := fs.String("os", "none", "what to do with a file once imported: none or delete")
	batch := fs.Int("batch", defaultBatchPoints, "most values in one insertTablets request")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: sluice import-tsfile -s <file or dir> [-h host] [-p port] [-u user] [-pw password] [-usessl true [-ts ca.pem]] [-os none|delete] [-batch N]\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "sluice import-tsfile: unexpected argument %q\n", fs.Arg(0))
		return 2
	case *src == "":
		fmt.Fprintln(stderr, "sluice import-tsfile: -s <file or directory> is required")
		return 2
	case *onSuccess != "none" && *onSuccess != "delete":
		fmt.Fprintf(stderr, "sluice import-tsfile: -os must be none or delete, not %q\n", *onSuccess)
		return 2
	case *batch <= 0:
		fmt.Fprintf(stderr, "sluice import-tsfile: -batch must be positive\n")
		return 2
	}
	files, err := load.Files(*src)
	if err != nil {
		fmt.Fprintf(stderr, "sluice import-tsfile: %v\n", err)
		return 1
	}
	c, err := conn.Dial(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "sluice import-tsfile: %v\n", err)
		return 1
	}
	defer c.Close()
	im := &importer{conn: c, opts: load.Options{BatchPoints: *batch}}
	total := im.totalPoints(files)
	bar := newProgress(stdout, "Importing", total)
	im.opts.Progress = func(points int) { bar.add(int64(points), int64(points)) }
	var failed []string
	for _, f := range files {
		if _, err := load.File(ctx, f, load.SinkFunc(im.write), im.opts); err != nil {
			if ctx.Err() != nil {
				fmt.Fprintf(stderr, "\nsluice import-tsfile: interrupted: %v\n", ctx.Err())
				return 1
			}
			failed = append(failed, err.Error())
			continue
		}
		if *onSuccess == "delete" {
			if err := load.Remove(f); err != nil {
				fmt.Fprintf(stderr, "sluice import-tsfile: %v\n", err)
			}
		}
	}
	bar.finish()
	if len(failed) > 0 {
		fmt.Fprintf(stderr, "sluice import-tsfile: %d of %d files failed:\n", len(failed), len(files))
		for _, f := range failed {
			fmt.Fprintf(stderr, "  %s\n", f)
		}
		return 1
	}
	fmt.Fprintf(stdout, "Import completely! %d files, %d points.\n", len(files), bar.points)
	return 0
}

// importer sends tablets over one session.
type importer struct {
	conn *cli.Conn
	opts load.Options
}

// totalPoints sums what the files' statistics count; unreadable files count
// nothing here and fail when imported.
func (im *importer) totalPoints(files []string) int64 {
	var n int64
	for _, f := range files {
		r, err := load.Open(f)
		if err != nil {
			continue
		}
		if devs, err := load.Schema(r.Reader); err == nil {
			for _, d := range devs {
				n += d.Points
			}
		}
		r.Close()
	}
	return n
}

// write sends one batch: one request for the non-aligned tablets and one
// for the aligned ones.
func (im *importer) write(ctx context.Context, tabs []*model.Tablet) error {
	var plain, aligned []*model.Tablet
	for _, t := range tabs {
		if t.Aligned {
			aligned = append(aligned, t)
		} else {
			plain = append(plain, t)
		}
	}
	for _, group := range [][]*model.Tablet{plain, aligned} {
		if len(group) == 0 {
			continue
		}
		req, _, err := clientwire.InsertTabletsReq(group, group[0].Aligned)
		if err != nil {
			return err
		}
		req.SessionId = im.conn.SessionID
		st, err := im.conn.Service.InsertTablets(ctx, req)
		if err != nil {
			return fmt.Errorf("insertTablets: %w", err)
		}
		if err := cli.CheckStatus(st); err != nil {
			return err
		}
	}
	return nil
}
