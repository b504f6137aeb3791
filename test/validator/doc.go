// Package validator checks what a sync target holds against what a load
// generator was told, in the manner of CockroachDB's cdctest validators.
//
// A Recorder collects the load's writes as they return. A write whose
// insert returned success is acknowledged: every point of it must reach
// the target with its value. A write that failed or timed out is a maybe
// write: the server may or may not have applied it, so its points may be
// at the target or not, and neither case is an error. Check compares the
// recorded writes with the points read from the target (Read, through the
// official IoTDB client) and reports the acknowledged points that are
// missing, those held with another value, and the invented ones: points
// the target holds that no write, acknowledged or maybe, could have put
// there. Duplicates, deliveries beyond the first that at-least-once sync
// allows, are not visible in the target's content: Report.Duplicates
// derives them from the number of points the receiver says it received.
package validator
