package tsfile

import (
	"errors"
	"fmt"
)

// ErrCorrupt is wrapped by every error about malformed file content.
var ErrCorrupt = errors.New("corrupt tsfile")

// CorruptError tells where in a file the content was malformed and what was wrong. Offset is
// a position in the file; for content inside a compressed page it is the page's offset and
// What says where inside the page.
type CorruptError struct {
	Offset int64
	What   string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("tsfile: corrupt at offset %d: %s", e.Offset, e.What)
}

// Unwrap makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Unwrap() error { return ErrCorrupt }

// decodeError is a malformation found inside a decoded byte slice (a page body); the caller
// that knows the slice's place in the file turns it into a CorruptError.
type decodeError struct {
	pos int
	msg string
}

func (e *decodeError) Error() string { return fmt.Sprintf("byte %d: %s", e.pos, e.msg) }

// corruptAt places err (a decodeError or a plain message) at file offset off.
func corruptAt(off int64, context string, err error) error {
	var de *decodeError
	if errors.As(err, &de) {
		return &CorruptError{Offset: off + int64(de.pos), What: context + ": " + de.msg}
	}
	return &CorruptError{Offset: off, What: context + ": " + err.Error()}
}
