// Package proc builds the real sluice binary and runs it as child
// processes on free loopback ports for end-to-end tests: start, wait until
// the client port answers, SIGTERM, kill -9, restart on the same data dir.
package proc
