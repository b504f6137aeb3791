package datanode

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/load"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
	"github.com/sluicedb/sluice/tsfile"
)

// runLoad executes LOAD: each TsFile under s.Path (on this server's file
// system) is checked whole, then written through the routed write path in
// bounded batches. Files load one after another; a failed file does not stop
// the others, and the statement's error lists which loaded and which failed.
func (d *DataNode) runLoad(ctx context.Context, user string, s *ast.LoadTsFile) error {
	files, err := load.Files(s.Path)
	if err != nil {
		return status.Errorf(status.SemanticError, "%w", err)
	}
	var loaded, failed []string
	var firstCode status.Code
	for _, f := range files {
		start := time.Now()
		st, err := d.loadFile(ctx, user, s, f)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			d.logger.Warn("load tsfile failed", "file", f, "points", st.Points, "err", err)
			if firstCode == 0 {
				firstCode = status.CodeOf(err)
			}
			failed = append(failed, err.Error())
			continue
		}
		d.logger.Info("loaded tsfile", "file", f, "devices", st.Devices, "rows", st.Rows,
			"points", st.Points, "elapsed", time.Since(start).Round(time.Millisecond))
		loaded = append(loaded, f)
		if s.DeleteOnSuccess {
			if err := load.Remove(f); err != nil {
				d.logger.Warn("remove loaded tsfile", "file", f, "err", err)
			}
		}
	}
	if len(failed) == 0 {
		return nil
	}
	if firstCode == 0 || firstCode == status.InternalServerError {
		firstCode = status.ExecuteStatementError
	}
	msg := fmt.Sprintf("%d of %d TsFiles failed to load: %s", len(failed), len(files), strings.Join(failed, "; "))
	if len(loaded) > 0 {
		msg += fmt.Sprintf("; loaded: %s", strings.Join(loaded, ", "))
	}
	return status.Errorf(firstCode, "%s", msg)
}

// loadFile loads one file. Everything that can be known before writing is
// checked first (privileges, types against existing series, and with verify
// every page of the file), so a file is refused whole; only a failure of the
// write path itself can leave part of a file written, and the error then says
// how many points were.
func (d *DataNode) loadFile(ctx context.Context, user string, s *ast.LoadTsFile, path string) (load.Stats, error) {
	f, err := load.Open(path)
	if err != nil {
		return load.Stats{}, status.Errorf(status.IllegalParameter, "%w", err)
	}
	defer f.Close()
	devices, err := load.Schema(f.Reader)
	if err != nil {
		return load.Stats{}, status.Errorf(status.IllegalParameter, "%s: %w", path, err)
	}
	create, err := d.checkLoad(ctx, user, s, devices)
	if err != nil {
		return load.Stats{}, fmt.Errorf("%s: %w", path, err)
	}
	dels, err := load.ReadMods(path)
	if err != nil {
		return load.Stats{}, status.Errorf(status.IllegalParameter, "%w", err)
	}
	if s.Verify {
		if _, err := load.Reader(ctx, f.Reader, dels, load.Discard, load.Options{}); err != nil {
			return load.Stats{}, status.Errorf(status.IllegalParameter, "%s: %w", path, err)
		}
	}
	if err := d.createLoadDatabases(ctx, create); err != nil {
		return load.Stats{}, fmt.Errorf("%s: %w", path, err)
	}
	sink := load.SinkFunc(func(ctx context.Context, tabs []*model.Tablet) error {
		return d.Insert(ctx, tabs, "")
	})
	st, err := load.Reader(ctx, f.Reader, dels, sink, load.Options{})
	if err != nil {
		code := status.CodeOf(err)
		if errors.Is(err, tsfile.ErrCorrupt) {
			code = status.IllegalParameter
		}
		if st.Points > 0 {
			return st, status.Errorf(code, "%s: %w (%d points of it were written)", path, err, st.Points)
		}
		return st, status.Errorf(code, "%s: %w", path, err)
	}
	return st, nil
}

// checkLoad checks a file's devices before any of it is written: WRITE_DATA
// on every series (as IoTDB 1.3's load analyzer checks), the types and
// alignment of series that exist already, and MANAGE_DATABASE where a
// database is missing. It returns the databases to create (at the
// statement's database level) once the file is also verified.
func (d *DataNode) checkLoad(ctx context.Context, user string, s *ast.LoadTsFile, devices []load.Device) ([]model.Path, error) {
	level := s.DatabaseLevel
	if level == 0 {
		level = autoDatabaseLevel
	}
	var create []model.Path
	for _, dev := range devices {
		for _, m := range dev.Measurements {
			if err := d.require(user, privWriteData, dev.Path.Append(m)); err != nil {
				return nil, err
			}
		}
		db, ok := databaseOf(d.meta.Databases(), dev.Path)
		if !ok {
			// IoTDB cuts the database from the series path; here a
			// database lies strictly above its devices, so a level that
			// reaches the device (or below) stops at the device's parent.
			n := min(level+1, len(dev.Path)-1)
			if n < 2 {
				return nil, status.Errorf(status.IllegalPath, "device %s is too short to derive a database", dev.Path)
			}
			name := dev.Path[:n]
			if err := d.require(user, privManageDatabase, name); err != nil {
				return nil, err
			}
			create = append(create, name)
			continue
		}
		if err := d.checkLoadDevice(ctx, db, dev); err != nil {
			return nil, err
		}
	}
	return create, nil
}

// createLoadDatabases creates the databases checkLoad found missing.
func (d *DataNode) createLoadDatabases(ctx context.Context, names []model.Path) error {
	for _, name := range names {
		if _, ok := databaseOf(d.meta.Databases(), name.Append("x")); ok {
			continue // created for an earlier device of the file
		}
		if err := d.createDatabase(ctx, name.String()); err != nil && status.CodeOf(err) != status.DatabaseAlreadyExists {
			return err
		}
		if err := d.reconcile(ctx); err != nil {
			return err
		}
	}
	return nil
}

// checkLoadDevice refuses a device of a file whose existing series have
// another alignment or type.
func (d *DataNode) checkLoadDevice(ctx context.Context, db confignode.Database, dev load.Device) error {
	existing, err := d.matchRegion(ctx, regionOf(db, dev.Path), dev.Path.Append(model.OneLevel))
	if err != nil {
		return err
	}
	types := make(map[string]model.DataType, len(existing))
	for _, e := range existing {
		if e.Aligned != dev.Aligned {
			return status.Errorf(status.AlignedTimeseriesError, "device %s is %s in the file but %s in the database",
				dev.Path, alignedWord(dev.Aligned), alignedWord(e.Aligned))
		}
		types[e.Measurement()] = e.Type
	}
	for i, m := range dev.Measurements {
		if have, ok := types[m]; ok && have != dev.Types[i] {
			return status.Errorf(status.DataTypeMismatch, "series %s is %s in the file but %s in the database",
				dev.Path.Append(m), dev.Types[i], have)
		}
	}
	return nil
}

func alignedWord(aligned bool) string {
	if aligned {
		return "aligned"
	}
	return "not aligned"
}
