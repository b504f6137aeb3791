package transfer

import (
	"encoding/binary"
	"fmt"
	"math"
)

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// reader reads a body front to back. The first failure sticks: later reads
// return zero values, and err says what went wrong first.
type reader struct {
	b   []byte
	err error
	// budget is what decoded values may still take (alloc), of max.
	budget, max int
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
	}
	r.b = nil
}

func (r *reader) len() int { return len(r.b) }

// alloc charges n bytes of decoded memory for what, and fails with
// ErrTooLarge once more than the budget would be spent.
func (r *reader) alloc(n int, what string) bool {
	if r.err != nil {
		return false
	}
	if n > r.budget {
		r.err = fmt.Errorf("%w: decoding %s takes more memory than the limit of %d bytes allows", ErrTooLarge, what, r.max)
		r.b = nil
		return false
	}
	r.budget -= n
	return true
}

func (r *reader) byte(what string) byte {
	if len(r.b) < 1 {
		r.fail("truncated at %s", what)
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) uvarint(what string) uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad varint at %s", what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint(what string) int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("bad varint at %s", what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a uvarint count of items that take at least minBytes each
// and refuses one that the bytes left cannot hold, so that callers may
// allocate for it.
func (r *reader) count(minBytes int, what string) int {
	n := r.uvarint(what)
	if r.err != nil {
		return 0
	}
	if n > uint64(len(r.b)/minBytes) {
		r.fail("%s %d exceeds the %d bytes left", what, n, len(r.b))
		return 0
	}
	return int(n)
}

func (r *reader) bytes(n int, what string) []byte {
	if n < 0 || n > len(r.b) {
		r.fail("truncated at %s", what)
		return nil
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) string(what string) string {
	n := r.uvarint(what)
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.b)) {
		r.fail("%s of %d bytes exceeds the %d bytes left", what, n, len(r.b))
		return ""
	}
	return string(r.bytes(int(n), what))
}

func (r *reader) uint32(what string) uint32 {
	p := r.bytes(4, what)
	if p == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(p)
}

func (r *reader) uint64(what string) uint64 {
	p := r.bytes(8, what)
	if p == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(p)
}

func (r *reader) int32(what string) int32 {
	v := r.varint(what)
	if r.err == nil && (v < math.MinInt32 || v > math.MaxInt32) {
		r.fail("%s %d out of INT32 range", what, v)
		return 0
	}
	return int32(v)
}

// end fails unless every byte was read.
func (r *reader) end() {
	if r.err == nil && len(r.b) > 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
}
