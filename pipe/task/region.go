package task

import (
	"context"
	"errors"
	"time"

	"github.com/sluicedb/sluice/model"
)

// ErrTruncated is returned by Region.Entries when the log no longer holds
// the entries asked for; the task then re-sends a fresh snapshot.
var ErrTruncated = errors.New("log entries already truncated")

// ErrDeposed is returned by Region.VerifyLeader when the replica no longer
// leads its region: the task ends without sending, and without failing its
// pipe, since the region's new leader runs the pipe from there.
var ErrDeposed = errors.New("region replica no longer leads")

// Region is a data region as a pipe task reads it.
type Region interface {
	// ID is the region id.
	ID() uint32
	// Snapshot opens a consistent view of the region's data together with
	// the log index it includes.
	Snapshot() (Snapshot, error)
	// WaitApplied blocks until an entry after index has been applied.
	WaitApplied(ctx context.Context, index uint64) error
	// AppliedIndex is the last applied log index.
	AppliedIndex() uint64
	// Entries reads the log from after+1 up to upTo, stopping once it has
	// max entries. It returns the writes and series schema changes
	// (creations, ALTER TIMESERIES) in log order and the last index it
	// examined (other entries are skipped). It returns ErrTruncated when
	// after+1 is no longer in the log.
	Entries(after, upTo uint64, max int) (writes []Entry, last uint64, err error)
	// VerifyLeader confirms that this replica still leads the region, so
	// that a deposed leader (paused, then resumed after an election) sends
	// nothing once another replica may be sending. It returns an error
	// wrapping ErrDeposed when it does not lead.
	VerifyLeader(ctx context.Context) error
	// Pin keeps log entries from index on for owner; Unpin releases them.
	Pin(owner string, index uint64)
	Unpin(owner string)
}

// Snapshot is a consistent view of a region's data.
type Snapshot interface {
	// Index is the last log index the view includes.
	Index() uint64
	// Series lists the region's series.
	Series() []model.Series
	// Scan returns the points of s with lo <= time <= hi, ascending.
	Scan(s model.Series, lo, hi int64) (SeriesIterator, error)
	Close()
}

// SeriesIterator streams one series' points.
type SeriesIterator interface {
	// Next returns up to max points; zero points means the end.
	Next(max int) ([]int64, model.Column, error)
	Close()
}

// Entry is one write, or one change of series schema, of the region's log.
type Entry struct {
	Index   uint64
	Origin  string
	Tablets []*model.Tablet
	// Schema are the series a creation or ALTER TIMESERIES entry changed,
	// as they stand now in the region (a later change may already show,
	// and a refused change shows the series unchanged); series since
	// deleted are left out. Non-nil for such an entry, even when empty.
	Schema []model.Series
	// Appended is when the entry was appended to the leader's log; zero
	// when unknown.
	Appended time.Time
}
