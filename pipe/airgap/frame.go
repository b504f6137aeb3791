package airgap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// One-byte answers to a request.
const (
	ResponseOK   byte = 0x00
	ResponseFail byte = 0xFF
)

// ELanguagePrefix and ELanguageSuffix wrap a frame when the sender enables
// E-Language (air-gap.e-language.enable), as IoTDB writes them.
var (
	ELanguagePrefix = []byte("<!System=IoTDB Version=1.0 Code=UTF-8 Data=1.0!>\n<block:=Free>\n")
	ELanguageSuffix = []byte("\n</block:=Free>")
)

// Sizes of the frame's fixed parts.
const (
	lengthsBytes  = 8 // the length, twice
	checksumBytes = 8
	requestHead   = 3 // version and type
	// MinDataBytes is the smallest valid length: a checksum and an empty
	// request.
	MinDataBytes = checksumBytes + requestHead
)

// Errors of ReadFrame. Each one leaves the stream at an unknown position,
// so the connection must be closed.
var (
	// ErrTooLarge is a frame whose length passes the reader's limit.
	ErrTooLarge = errors.New("air-gap frame over the size limit")
	// ErrBadLength is a frame whose two lengths disagree or are too small
	// to hold a checksum and a request.
	ErrBadLength = errors.New("air-gap frame length is invalid")
	// ErrChecksum is a frame whose CRC-32 does not match its content.
	ErrChecksum = errors.New("air-gap frame checksum mismatch")
	// ErrELanguage is a malformed E-Language wrapper.
	ErrELanguage = errors.New("air-gap E-Language wrapper is malformed")
)

// Request is one decoded frame: a pipeTransfer request.
type Request struct {
	Version int8
	Type    int16
	Body    []byte
	// ELanguage reports that the frame came wrapped in E-Language.
	ELanguage bool
}

// Encode frames a request, wrapped in E-Language when eLanguage is set.
func Encode(version int8, typ int16, body []byte, eLanguage bool) []byte {
	n := checksumBytes + requestHead + len(body)
	if n > 1<<31-1 {
		panic(fmt.Sprintf("BUG: air-gap request of %d bytes cannot be framed", n))
	}
	var b bytes.Buffer
	b.Grow(lengthsBytes + n + len(ELanguagePrefix) + len(ELanguageSuffix))
	if eLanguage {
		b.Write(ELanguagePrefix)
	}
	var head [lengthsBytes + checksumBytes + requestHead]byte
	binary.BigEndian.PutUint32(head[0:], uint32(n))
	binary.BigEndian.PutUint32(head[4:], uint32(n))
	head[16] = byte(version)
	binary.BigEndian.PutUint16(head[17:], uint16(typ))
	crc := crc32.NewIEEE()
	crc.Write(head[16:])
	crc.Write(body)
	binary.BigEndian.PutUint64(head[8:], uint64(crc.Sum32()))
	b.Write(head[:])
	b.Write(body)
	if eLanguage {
		b.Write(ELanguageSuffix)
	}
	return b.Bytes()
}

// ReadFrame reads one frame from r. limit bounds the frame's length (the
// checksum and the request) and is checked before anything of that size
// is allocated; the data is then read as it arrives, so a peer that
// announces a large frame and sends little costs what it sent. It returns
// io.EOF when r ends before a frame starts and io.ErrUnexpectedEOF when it
// ends inside one.
func ReadFrame(r io.Reader, limit int) (Request, error) {
	var lengths [lengthsBytes]byte
	if _, err := io.ReadFull(r, lengths[:]); err != nil {
		return Request{}, err
	}
	var req Request
	if bytes.Equal(lengths[:], ELanguagePrefix[:lengthsBytes]) {
		// The wrapper is fixed text: it is read and compared, not parsed,
		// and a frame holds one, so nothing here reads a length again.
		if err := expect(r, ELanguagePrefix[lengthsBytes:]); err != nil {
			return Request{}, err
		}
		if _, err := io.ReadFull(r, lengths[:]); err != nil {
			return Request{}, unexpected(err)
		}
		req.ELanguage = true
	}
	n1 := binary.BigEndian.Uint32(lengths[0:])
	n2 := binary.BigEndian.Uint32(lengths[4:])
	switch {
	case n1 != n2:
		return Request{}, fmt.Errorf("%w: lengths %d and %d differ", ErrBadLength, n1, n2)
	case n1 < MinDataBytes:
		return Request{}, fmt.Errorf("%w: %d bytes cannot hold a checksum and a request (at least %d)", ErrBadLength, n1, MinDataBytes)
	case limit < 0 || uint64(n1) > uint64(limit):
		return Request{}, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, n1, limit)
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(n1)))
	if err != nil {
		return Request{}, unexpected(err)
	}
	if len(data) < int(n1) {
		return Request{}, io.ErrUnexpectedEOF
	}
	want := binary.BigEndian.Uint64(data[:checksumBytes])
	if got := uint64(crc32.ChecksumIEEE(data[checksumBytes:])); got != want {
		return Request{}, fmt.Errorf("%w: the frame says %#x, its content sums to %#x", ErrChecksum, want, got)
	}
	if req.ELanguage {
		if err := expect(r, ELanguageSuffix); err != nil {
			return Request{}, err
		}
	}
	req.Version = int8(data[checksumBytes])
	req.Type = int16(binary.BigEndian.Uint16(data[checksumBytes+1:]))
	req.Body = data[checksumBytes+requestHead:]
	return req, nil
}

// expect reads len(want) bytes and checks they are want.
func expect(r io.Reader, want []byte) error {
	got := make([]byte, len(want))
	if _, err := io.ReadFull(r, got); err != nil {
		return unexpected(err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%w: got %q, want %q", ErrELanguage, got, want)
	}
	return nil
}

// unexpected turns the end of the stream inside a frame into
// io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
