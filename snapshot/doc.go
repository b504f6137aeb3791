// Package snapshot keeps the progress of pipe tasks: the commit frontiers
// they report (pending until committed), their periodic commit through the
// ConfigNode group as one entry per pipe (a lightweight consistent cut of
// the pipe's progress, taken without pausing writes), and the region log
// pins that keep, like replication slots, the entries a pipe has not
// committed yet.
//
// A Frontiers is told of progress by the pipe agent and tells it where a
// task resumes; it reaches the metadata and the hosted regions only
// through the small interfaces it declares.
package snapshot
