// Package pipe is Sluice's data sync: continuously running tasks that move
// a cluster's writes to another cluster (source -> processor -> sink).
//
// Its subpackages are the pieces: plugin (names, parameters and their
// validation), transfer (the pipeTransfer wire format), receiver (applies
// transfers at the target), sink (the sink plugins and their reuse), and
// task (the per-(pipe, region) runtime: historical phase, realtime phase,
// retries and progress). This package holds the contracts between them.
package pipe
