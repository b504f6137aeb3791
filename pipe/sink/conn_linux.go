package sink

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// controlSocket bounds how long data sent on a sink's socket may stay
// unacknowledged (TCP_USER_TIMEOUT): a peer cut off by the network fails
// the transfer after tcpUserTimeout instead of leaving it blocked until
// pipe_sink_timeout_ms. A peer that acknowledges but does not answer is the
// stall watchdog's business.
func controlSocket(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, int(tcpUserTimeout.Milliseconds()))
	})
	if err != nil {
		return err
	}
	return serr
}
