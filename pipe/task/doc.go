// Package task runs a pipe on one data region: the historical phase sends a
// consistent snapshot of the region as of the task's start, the realtime
// phase then tails the region's log from just after that snapshot, so that
// nothing is lost or sent twice at the handover (beyond at-least-once
// retries). Transient sink failures are retried with capped exponential
// backoff; the task reports its commit frontier as it advances.
package task
