// Package e2e holds end-to-end tests: they build the real sluice binary,
// start it as child processes on free loopback ports, and drive it with the
// official IoTDB Go client, as users do.
package e2e
