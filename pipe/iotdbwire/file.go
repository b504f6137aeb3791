package iotdbwire

import (
	"encoding/binary"
	"path/filepath"
	"strings"
)

// Request types of TsFile transfers with their .mods file (IoTDB 1.3.1 and
// later): pieces of either file, and a seal naming both.
const (
	TypeTsFilePieceWithMod RequestType = 8
	TypeTsFileSealWithMod  RequestType = 9
)

// CodeFileOffsetReset is the status of a file piece whose offset is not
// where the receiver's copy ends (PIPE_TRANSFER_FILE_OFFSET_RESET); the
// response body holds the offset to resend from.
const CodeFileOffsetReset = 1803

// CodeFileError is the status of a seal that does not match the file
// received (PIPE_TRANSFER_FILE_ERROR).
const CodeFileError = 1804

// FilePiece is a TsFilePiece(WithMod) request: bytes of a file at an
// offset.
type FilePiece struct {
	Name   string
	Offset int64
	Data   []byte
}

// SealedFile is one file a seal names, with its length.
type SealedFile struct {
	Name   string
	Length int64
}

// maxFileName bounds a transferred file's name.
const maxFileName = 255

// DecodeFilePiece reads a TsFilePiece or TsFilePieceWithMod body: the file
// name, the offset, and the bytes (int32 length first). Data aliases body.
func DecodeFilePiece(body []byte) (FilePiece, error) {
	r := newReader(body, maxFileName+64)
	var p FilePiece
	p.Name = r.fileName()
	p.Offset = r.int64("offset")
	n := r.count(1, "piece length")
	p.Data = r.bytes(n, "piece")
	r.end()
	if r.ok() && p.Offset < 0 {
		r.fail("negative offset %d", p.Offset)
	}
	if r.err != nil {
		return FilePiece{}, r.err
	}
	return p, nil
}

// DecodeFileSealV1 reads a TsFileSeal body: the file name and its length.
func DecodeFileSealV1(body []byte) (SealedFile, error) {
	r := newReader(body, maxFileName+64)
	f := SealedFile{Name: r.fileName(), Length: r.int64("file length")}
	r.end()
	if r.err != nil {
		return SealedFile{}, r.err
	}
	return f, nil
}

// DecodeFileSealV2 reads a TsFileSealWithMod body: int32-counted file
// names, int32-counted lengths, then a parameter map.
func DecodeFileSealV2(body []byte) ([]SealedFile, map[string]string, error) {
	r := newReader(body, 1<<20)
	n := r.count(4, "file count")
	if r.ok() && n > 16 {
		r.fail("a seal of %d files", n)
	}
	files := make([]SealedFile, n)
	for i := range files {
		files[i].Name = r.fileName()
	}
	if m := r.count(8, "length count"); r.ok() && m != n {
		r.fail("%d lengths for %d files", m, n)
	}
	for i := range files {
		files[i].Length = r.int64("file length")
	}
	params := map[string]string{}
	m := r.count(8, "parameter count")
	for range m {
		k := r.string("parameter key")
		v, _ := r.stringOrNull("parameter value")
		params[k] = v
	}
	r.end()
	if r.err != nil {
		return nil, nil, r.err
	}
	return files, params, nil
}

// fileName reads a file name and refuses one that is not a plain name
// (a path, "..", too long), since the receiver stores the file under it.
func (r *reader) fileName() string {
	if len(r.b) >= 4 {
		if n := int32(binary.BigEndian.Uint32(r.b)); n > maxFileName {
			r.fail("file name of %d bytes, at most %d are taken", n, maxFileName)
			return ""
		}
	}
	s := r.string("file name")
	if r.ok() && (s == "" || len(s) > maxFileName || s == "." || s == ".." ||
		strings.ContainsAny(s, "/\\\x00") || filepath.Base(s) != s) {
		r.fail("file name %.64q is not a plain name", s)
	}
	return s
}
