package sink

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sluicedb/sluice/pipe"
	"github.com/sluicedb/sluice/proto/pipethrift"
	"github.com/sluicedb/sluice/status"
)

// ErrClosed is returned by Transfer on a closed sink.
var ErrClosed = errors.New("sink is closed")

// StatusError is a receiver's refusal of a handshake or transfer. Its text
// becomes SHOW PIPES' ExceptionMessage when it stops a pipe, so it names
// the plugin, the target and the receiver's message, e.g.
// "iotdb-thrift-sink 127.0.0.1:6668: authentication failed for user root
// (code 801)". It matches pipe.ErrFatal when retrying cannot help.
type StatusError struct {
	Sink    string // plugin name
	Target  string // host:port
	Code    int32  // the receiver's TSStatus code
	Message string // the receiver's message
	Fatal   bool
}

// Error returns the message.
func (e *StatusError) Error() string {
	msg := strings.TrimSpace(e.Message)
	if msg == "" {
		msg = "refused"
	}
	return fmt.Sprintf("%s %s: %s (code %d)", e.Sink, e.Target, msg, e.Code)
}

// Is reports whether a fatal StatusError is pipe.ErrFatal.
func (e *StatusError) Is(target error) bool { return e.Fatal && target == pipe.ErrFatal }

// fatalError is an unrecoverable failure that is not a receiver status.
type fatalError struct{ msg string }

func (e *fatalError) Error() string        { return e.msg }
func (e *fatalError) Is(target error) bool { return target == pipe.ErrFatal }

// fatalf makes an error matching pipe.ErrFatal whose text is exactly the
// formatted message.
func fatalf(format string, args ...any) error {
	return &fatalError{msg: fmt.Sprintf(format, args...)}
}

// fatalCodes are receiver statuses that retrying cannot cure: refused
// credentials or privileges, data the target's schema will not take, and
// requests it considers malformed.
var fatalCodes = map[status.Code]bool{
	status.IllegalParameter:       true, // 303
	status.PathNotExist:           true, // 508: auto-create is off at the target
	status.IllegalPath:            true, // 509
	status.AlignedTimeseriesError: true, // 609: aligned vs non-aligned conflict
	status.DataTypeMismatch:       true, // 614
	status.WrongLoginPassword:     true, // 801
	status.NoPermission:           true, // 803
	status.UserNotExist:           true, // 804
	status.UnsupportedOperation:   true, // 300
}

// succeeded reports whether a receiver status means the write is applied.
// 400 (redirection recommended) is a success with a routing hint, as IoTDB
// clients treat it.
func succeeded(code int32) bool {
	return code == int32(status.Success) || code == int32(status.RedirectionRecommend)
}

// subStatus is one entry of a MultipleError (302) status.
type subStatus struct {
	code int32
	msg  string
}

// subStatuses returns st's sub-statuses.
func subStatuses(st *pipethrift.TSStatus) []subStatus {
	var subs []subStatus
	for _, sub := range st.GetSubStatus() {
		if sub != nil {
			subs = append(subs, subStatus{code: sub.Code, msg: sub.GetMessage()})
		}
	}
	return subs
}

// statusError turns a non-success receiver status into a StatusError,
// fatal when the code, or any sub-status of a 302, is in fatalCodes or
// extraFatal.
func statusError(plugin, target string, code int32, msg string, subs []subStatus, extraFatal func(int32) bool) *StatusError {
	isFatal := func(c int32) bool {
		return fatalCodes[status.Code(c)] || (extraFatal != nil && extraFatal(c))
	}
	e := &StatusError{Sink: plugin, Target: target, Code: code, Message: msg, Fatal: isFatal(code)}
	if code != int32(status.MultipleError) || len(subs) == 0 {
		return e
	}
	// A 302 is as bad as its worst part; name the parts that failed.
	var parts []string
	for _, s := range subs {
		if succeeded(s.code) {
			continue
		}
		if isFatal(s.code) {
			e.Fatal = true
		}
		if len(parts) < 3 {
			parts = append(parts, fmt.Sprintf("%s (code %d)", strings.TrimSpace(s.msg), s.code))
		}
	}
	if len(parts) > 0 && strings.TrimSpace(msg) == "" {
		e.Message = strings.Join(parts, "; ")
	}
	return e
}
