package receiver

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/iotdbwire"
	"github.com/sluicedb/sluice/proto/pipethrift"
	"github.com/sluicedb/sluice/status"
	"github.com/sluicedb/sluice/tsfile"
)

// DefaultMaxFileBytes is the default of WithMaxFileBytes: the largest file
// an IoTDB sender may transfer (IoTDB's TsFiles stay well below it).
const DefaultMaxFileBytes = 4 << 30

// WithFileDir lets IoTDB senders transfer TsFiles: each connection's
// files are written under dir/<connection id> while they arrive, read
// once sealed, their rows written, and deleted. Without it TsFile
// transfers are refused. What dir holds from an earlier run is deleted
// when the first file arrives.
func WithFileDir(dir string) Option {
	return func(r *Receiver) { r.iotdb.fileDir = dir }
}

// WithMaxFileBytes bounds the size of one transferred file; n <= 0 keeps
// DefaultMaxFileBytes.
func WithMaxFileBytes(n int64) Option {
	return func(r *Receiver) {
		if n > 0 {
			r.iotdb.maxFile = n
		}
	}
}

// iotdbFiles is what one connection has received of its files.
type iotdbFiles struct {
	mu      sync.Mutex
	dir     string
	current string           // name of the file being written
	f       *os.File         // its writer
	sizes   map[string]int64 // bytes received of each file kept
}

// reset closes the writer and deletes every file received.
func (fs *iotdbFiles) reset() {
	if fs.f != nil {
		_ = fs.f.Close()
		fs.f = nil
	}
	fs.current = ""
	fs.sizes = nil
	_ = os.RemoveAll(fs.dir)
}

// close resets fs under its lock, for a connection that went away.
func (fs *iotdbFiles) close() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.reset()
}

// filesOf returns the connection's file state, creating it on first use.
func (r *Receiver) filesOf(conn uint64) *iotdbFiles {
	r.iotdb.mu.Lock()
	defer r.iotdb.mu.Unlock()
	if !r.iotdb.dirCleared {
		// Files of connections before a restart will never be sealed.
		_ = os.RemoveAll(r.iotdb.fileDir)
		r.iotdb.dirCleared = true
	}
	if r.iotdb.files == nil {
		r.iotdb.files = make(map[uint64]*iotdbFiles)
	}
	fs := r.iotdb.files[conn]
	if fs == nil {
		fs = &iotdbFiles{dir: filepath.Join(r.iotdb.fileDir, strconv.FormatUint(conn, 10))}
		r.iotdb.files[conn] = fs
	}
	return fs
}

// iotdbFilePiece stores one piece of a transferred file. A piece of
// another file than the one being written starts that file; unless it is
// part of a transfer with mods (single false), the files received before
// are deleted. A piece that does not start where the file ends is
// answered with iotdbwire.CodeFileOffsetReset and the offset to resend
// from, as IoTDB's receiver answers.
func (r *Receiver) iotdbFilePiece(ctx context.Context, conn connInfo, body []byte, single bool) *pipethrift.TPipeTransferResp {
	if _, err := r.iotdbSenderOf(conn); err != nil {
		return reply(err, nil)
	}
	if r.iotdb.fileDir == "" {
		return reply(status.Errorf(CodeIoTDBPipeTypeError, "this receiver takes no TsFile transfers: send tablets (see docs/compatibility.md)"), nil)
	}
	p, err := iotdbwire.DecodeFilePiece(body)
	if err != nil {
		return reply(status.Errorf(status.IllegalParameter, "pipe file piece: %v", err), nil)
	}
	fs := r.filesOf(conn.id)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if p.Name != fs.current {
		if single {
			fs.reset()
		} else if fs.f != nil {
			_ = fs.f.Close()
			fs.f = nil
		}
		if err := os.MkdirAll(fs.dir, 0o700); err != nil {
			return reply(status.Errorf(status.DiskSpaceInsufficient, "pipe file piece: %v", err), nil)
		}
		f, err := os.OpenFile(filepath.Join(fs.dir, p.Name), os.O_CREATE|os.O_TRUNC|os.O_RDWR, 0o600)
		if err != nil {
			return reply(status.Errorf(status.DiskSpaceInsufficient, "pipe file piece: %v", err), nil)
		}
		if fs.sizes == nil {
			fs.sizes = make(map[string]int64)
		}
		fs.current, fs.f, fs.sizes[p.Name] = p.Name, f, 0
	}
	size := fs.sizes[p.Name]
	if p.Offset != size {
		return offsetReply(status.Errorf(iotdbwire.CodeFileOffsetReset, "file %s: piece at offset %d, the receiver has %d bytes", p.Name, p.Offset, size), size)
	}
	if limit := r.iotdb.maxFileBytes(); size+int64(len(p.Data)) > limit {
		fs.reset()
		return reply(status.Errorf(iotdbwire.CodeFileError, "file %s exceeds the limit of %d bytes", p.Name, limit), nil)
	}
	if _, err := fs.f.WriteAt(p.Data, size); err != nil {
		fs.reset()
		return reply(status.Errorf(status.DiskSpaceInsufficient, "pipe file piece: %v", err), nil)
	}
	fs.sizes[p.Name] = size + int64(len(p.Data))
	return offsetReply(nil, fs.sizes[p.Name])
}

// offsetReply answers a file piece with the offset the file has reached.
func offsetReply(err error, offset int64) *pipethrift.TPipeTransferResp {
	resp := reply(err, nil)
	resp.Body = binary.BigEndian.AppendUint64(nil, uint64(offset))
	return resp
}

// iotdbFileSeal loads a transferred TsFile (and its mods) once the sender
// says it is complete: every file it names must have arrived whole. The
// files are deleted afterwards, loaded or not; a sender resends a file
// whose seal failed.
func (r *Receiver) iotdbFileSeal(ctx context.Context, conn connInfo, body []byte, withMod bool) error {
	sender, err := r.iotdbSenderOf(conn)
	if err != nil {
		return err
	}
	if r.iotdb.fileDir == "" {
		return status.Errorf(CodeIoTDBPipeTypeError, "this receiver takes no TsFile transfers: send tablets (see docs/compatibility.md)")
	}
	var files []iotdbwire.SealedFile
	if withMod {
		files, _, err = iotdbwire.DecodeFileSealV2(body)
	} else {
		var f iotdbwire.SealedFile
		f, err = iotdbwire.DecodeFileSealV1(body)
		files = []iotdbwire.SealedFile{f}
	}
	if err != nil {
		return status.Errorf(status.IllegalParameter, "pipe file seal: %v", err)
	}
	if len(files) == 0 {
		return status.Errorf(status.IllegalParameter, "pipe file seal names no file")
	}
	fs := r.filesOf(conn.id)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	defer fs.reset()
	for _, f := range files {
		if got, ok := fs.sizes[f.Name]; !ok || got != f.Length {
			return status.Errorf(iotdbwire.CodeFileError, "file %s: sealed at %d bytes, the receiver has %d", f.Name, f.Length, got)
		}
	}
	if fs.f != nil {
		_ = fs.f.Close()
		fs.f = nil
	}
	// The TsFile comes last, after its mods.
	var dels []tsfile.Deletion
	for _, m := range files[:len(files)-1] {
		d, err := readMods(filepath.Join(fs.dir, m.Name))
		if err != nil {
			return status.Errorf(iotdbwire.CodeFileError, "mods file %s: %v", m.Name, err)
		}
		dels = append(dels, d...)
	}
	return r.loadTsFile(ctx, sender, filepath.Join(fs.dir, files[len(files)-1].Name), dels)
}

func readMods(path string) ([]tsfile.Deletion, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return tsfile.ReadMods(f)
}

// tsFileBatchValues bounds the values of one tablet read from a TsFile.
const tsFileBatchValues = 1 << 16

// loadTsFile writes the rows of the TsFile at path, less dels, as the
// sender's user, in tablets of bounded size.
func (r *Receiver) loadTsFile(ctx context.Context, p iotdbSender, path string, dels []tsfile.Deletion) error {
	rd, err := tsfile.OpenFile(path)
	if err != nil {
		return status.Errorf(iotdbwire.CodeFileError, "pipe TsFile %s: %v", filepath.Base(path), err)
	}
	defer rd.Close()
	devices, err := rd.Devices()
	if err != nil {
		return status.Errorf(iotdbwire.CodeFileError, "pipe TsFile %s: %v", filepath.Base(path), err)
	}
	for _, dev := range devices {
		if err := r.loadDevice(ctx, p, rd, dev, dels); err != nil {
			return err
		}
	}
	return nil
}

func (r *Receiver) loadDevice(ctx context.Context, p iotdbSender, rd *tsfile.Reader, dev string, dels []tsfile.Deletion) error {
	device, err := model.ParseFullPath(dev)
	if err != nil {
		return status.Errorf(status.IllegalPath, "pipe TsFile: device %q: %v", dev, err)
	}
	rows, err := rd.Rows(dev, dels...)
	if err != nil {
		return status.Errorf(iotdbwire.CodeFileError, "pipe TsFile: device %s: %v", dev, err)
	}
	series := rows.Series()
	if len(series) == 0 {
		return nil
	}
	types := make([]model.DataType, len(series))
	for i, s := range series {
		t, ok := tsFileType(s.Type)
		if !ok {
			return status.Errorf(status.UnsupportedOperation, "pipe TsFile: %s.%s has type %v", dev, s.Measurement, s.Type)
		}
		types[i] = t
	}
	batch := max(1, tsFileBatchValues/len(series))
	var t *model.Tablet
	flush := func() error {
		if t == nil || len(t.Times) == 0 {
			return nil
		}
		tb := t
		t = nil
		return r.applyIoTDB(ctx, p, []*model.Tablet{tb})
	}
	for rows.Next() {
		if t == nil {
			t = &model.Tablet{Device: device, Aligned: rows.Aligned(), Times: make([]int64, 0, batch)}
			for i, s := range series {
				t.Measurements = append(t.Measurements, s.Measurement)
				t.Columns = append(t.Columns, model.NewColumn(types[i], batch))
			}
		}
		t.Times = append(t.Times, rows.Time())
		for i := range series {
			v, ok := rows.Value(i)
			if !ok {
				t.Columns[i].Append(nil)
				continue
			}
			if b, isBytes := v.([]byte); isBytes {
				v = string(b)
			}
			if !appendable(types[i], v) {
				return status.Errorf(iotdbwire.CodeFileError, "pipe TsFile: %s.%s holds a %T value", dev, series[i].Measurement, v)
			}
			t.Columns[i].Append(v)
		}
		if len(t.Times) >= batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return status.Errorf(iotdbwire.CodeFileError, "pipe TsFile: device %s: %v", dev, err)
	}
	return flush()
}

// tsFileType is the Sluice type a TsFile series' values are written as.
func tsFileType(t tsfile.DataType) (model.DataType, bool) {
	switch t {
	case tsfile.Boolean, tsfile.Int32, tsfile.Int64, tsfile.Float, tsfile.Double, tsfile.Text:
		return model.DataType(t), true
	case tsfile.Timestamp:
		return model.Int64, true
	case tsfile.Date:
		return model.Int32, true
	case tsfile.Blob, tsfile.String:
		return model.Text, true
	}
	return 0, false
}

// appendable reports whether v is of the Go type Column.Append takes for t.
func appendable(t model.DataType, v any) bool {
	switch v.(type) {
	case bool:
		return t == model.Boolean
	case int32:
		return t == model.Int32
	case int64:
		return t == model.Int64
	case float32:
		return t == model.Float
	case float64:
		return t == model.Double
	case string:
		return t == model.Text
	}
	return false
}
