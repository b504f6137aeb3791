package iotdbwire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrCorrupt is wrapped by every decoding error but ErrTooLarge.
var ErrCorrupt = errors.New("corrupt IoTDB pipe transfer body")

// ErrTooLarge is wrapped by the error of a body whose decoded tablets would
// take more memory than the decoder's limit.
var ErrTooLarge = errors.New("IoTDB pipe transfer body too large")

// ErrUnsupported is wrapped by the error of a well-formed body that holds
// something Sluice does not take (a data type it lacks, a plan node that is
// not an insert).
var ErrUnsupported = errors.New("unsupported IoTDB pipe transfer content")

// reader reads a body front to back, big-endian. The first failure sticks:
// later reads return zero values, and err says what went wrong first.
type reader struct {
	b   []byte
	err error
	// budget is what decoded values may still take (alloc), of max.
	budget, max int
}

func newReader(b []byte, limit int) *reader {
	return &reader{b: b, budget: limit, max: limit}
}

func (r *reader) fail(format string, args ...any) {
	r.failWith(ErrCorrupt, format, args...)
}

func (r *reader) failWith(sentinel error, format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
	}
	r.b = nil
}

func (r *reader) ok() bool { return r.err == nil }

// alloc charges n bytes of decoded memory for what, and fails with
// ErrTooLarge once more than the budget would be spent.
func (r *reader) alloc(n int, what string) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || n > r.budget {
		r.err = fmt.Errorf("%w: decoding %s takes more memory than the limit of %d bytes allows", ErrTooLarge, what, r.max)
		r.b = nil
		return false
	}
	r.budget -= n
	return true
}

func (r *reader) bytes(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.fail("truncated at %s (%d bytes wanted, %d left)", what, n, len(r.b))
		return nil
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) byte(what string) byte {
	p := r.bytes(1, what)
	if p == nil {
		return 0
	}
	return p[0]
}

// bool reads a one-byte boolean; IoTDB writes 0 or 1.
func (r *reader) bool(what string) bool {
	c := r.byte(what)
	if c > 1 {
		r.fail("%s: boolean byte %d", what, c)
	}
	return c == 1
}

func (r *reader) int16(what string) int16 {
	p := r.bytes(2, what)
	if p == nil {
		return 0
	}
	return int16(binary.BigEndian.Uint16(p))
}

func (r *reader) int32(what string) int32 {
	p := r.bytes(4, what)
	if p == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(p))
}

func (r *reader) int64(what string) int64 {
	p := r.bytes(8, what)
	if p == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(p))
}

func (r *reader) float32(what string) float32 {
	return math.Float32frombits(uint32(r.int32(what)))
}

func (r *reader) float64(what string) float64 {
	return math.Float64frombits(uint64(r.int64(what)))
}

// count reads an int32 count of items that take at least minBytes each
// on the wire and refuses one that the bytes left cannot hold, so that
// callers may allocate for it.
func (r *reader) count(minBytes int, what string) int {
	n := r.int32(what)
	if r.err != nil {
		return 0
	}
	if n < 0 || int64(n)*int64(minBytes) > int64(len(r.b)) {
		r.fail("%s %d exceeds the %d bytes left", what, n, len(r.b))
		return 0
	}
	return int(n)
}

// stringOrNull reads a string: int32 length, -1 for null (false).
func (r *reader) stringOrNull(what string) (string, bool) {
	n := r.int32(what)
	if r.err != nil {
		return "", false
	}
	if n == -1 {
		return "", false
	}
	if n < 0 || int64(n) > int64(len(r.b)) {
		r.fail("%s of %d bytes exceeds the %d bytes left", what, n, len(r.b))
		return "", false
	}
	if !r.alloc(int(n)+16, what) {
		return "", false
	}
	return string(r.bytes(int(n), what)), true
}

// string reads a string that may not be null.
func (r *reader) string(what string) string {
	s, ok := r.stringOrNull(what)
	if r.err == nil && !ok {
		r.fail("%s is null", what)
	}
	return s
}

// end fails unless every byte was read.
func (r *reader) end() {
	if r.err == nil && len(r.b) > 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
}

type unsupportedType struct{ typ RequestType }

func (e *unsupportedType) Error() string {
	return fmt.Sprintf("%v: request type %d is not a data request this receiver takes", ErrUnsupported, e.typ)
}

func (e *unsupportedType) Unwrap() error { return ErrUnsupported }
