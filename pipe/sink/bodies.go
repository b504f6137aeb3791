package sink

import "sync"

// bodies recycles the buffers transfers' bodies are encoded into. A fresh
// buffer for every transfer, several MB each, cost the sender more than the
// encoding itself: the memory is zeroed and, once the runtime has returned
// it to the system, faulted in again. The pool empties when transfers stop
// (it drops what two garbage collections find unused).
var bodies = sync.Pool{New: func() any { return new([]byte) }}

// maxKeptBody is the largest buffer kept for the next transfer.
const maxKeptBody = 16 << 20

// takeBody returns a buffer to encode bodies into.
func takeBody() *[]byte { return bodies.Get().(*[]byte) }

// keepBody keeps body's storage in buf for the next body, once body, which
// may have been encoded into buf or grown out of it, is sent.
func keepBody(buf *[]byte, body []byte) {
	if cap(body) > cap(*buf) {
		*buf = body[:0]
	}
}

// giveBody hands buf back for another transfer.
func giveBody(buf *[]byte) {
	if cap(*buf) > maxKeptBody {
		return
	}
	*buf = (*buf)[:0]
	bodies.Put(buf)
}
