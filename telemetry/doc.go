// Package telemetry serves a node's Prometheus metrics over HTTP and builds
// its structured logger.
package telemetry
