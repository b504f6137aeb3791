// Package queries tracks the queries running on one DataNode, for SHOW
// QUERIES, and cancels them, for KILL QUERY: each query runs under a
// context that Kill cancels with ErrKilled as its cause, so that whatever
// reads for it stops and its client is told it was killed (IoTDB's 715).
package queries
