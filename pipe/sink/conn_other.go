//go:build !linux

package sink

import "syscall"

// controlSocket does nothing where TCP_USER_TIMEOUT does not exist: there
// only keepalives and the stall watchdog detect a peer that went away.
func controlSocket(_, _ string, _ syscall.RawConn) error { return nil }
