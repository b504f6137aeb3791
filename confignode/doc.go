// Package confignode holds Sluice's cluster metadata in a Raft group:
// databases and their data regions, users and privileges, and (for pipes)
// pipe definitions and progress. Every change is a typed command committed
// through the group before the caller hears OK.
package confignode
