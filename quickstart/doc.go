// Package quickstart runs the data-sync Quick Start of the documentation
// end to end: two local instances A and B, a pipe from A to B, a write on A,
// and what B then holds. `sluice quickstart` runs it.
package quickstart
