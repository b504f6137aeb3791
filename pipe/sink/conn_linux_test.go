package sink

import (
	"context"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Sink connections carry TCP_USER_TIMEOUT and keepalive probes.
func TestDialSetsSocketOptions(t *testing.T) {
	c, err := dialThrift(context.Background(), silentPeer(t), time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	raw, err := c.nc.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var userTimeout, keepalive, idle int
	var gerr error
	if err := raw.Control(func(fd uintptr) {
		userTimeout, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT)
		if gerr == nil {
			keepalive, gerr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_KEEPALIVE)
		}
		if gerr == nil {
			idle, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_KEEPIDLE)
		}
	}); err != nil || gerr != nil {
		t.Fatal(err, gerr)
	}
	if userTimeout != int(tcpUserTimeout.Milliseconds()) || keepalive != 1 || idle != int(keepAlive.Idle.Seconds()) {
		t.Errorf("TCP_USER_TIMEOUT %d ms, SO_KEEPALIVE %d, TCP_KEEPIDLE %d s; want %d, 1, %d",
			userTimeout, keepalive, idle, tcpUserTimeout.Milliseconds(), int(keepAlive.Idle.Seconds()))
	}
}
