// Package processor implements the sampling PROCESSOR plugins of a pipe,
// with Apache IoTDB 1.3's names, parameters and semantics:
// tumbling-time-sampling-processor, sdt-sampling-processor (swinging door
// trending) and changing-value-sampling-processor. docs/pipes.md describes
// what each keeps.
//
// A Processor belongs to one pipe task (one pipe on one region): the task
// passes every tablet it is about to batch, historical and realtime, through
// Process, in the order it reads them, and sends what comes back. Each
// series is sampled on its own; its state (the last kept time, the doors of
// the swinging door, ...) lives as long as the Processor, across batches
// and from the historical phase into the realtime one. It is not persisted:
// a task that restarts (after a node restart, a leadership move, STOP and
// START) starts sampling afresh, so the first point it reads of each series
// passes again.
package processor
