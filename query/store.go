package query

import (
	"context"

	"github.com/sluicedb/sluice/model"
)

// Store is what the executor reads. The DataNode implements it over its
// regions; tests use an in-memory fake.
type Store interface {
	// MatchSeries returns every series whose path matches pattern (which may
	// hold * and **), sorted by path, without duplicates.
	MatchSeries(ctx context.Context, pattern model.Path) ([]model.Series, error)
	// Scan returns the points of s with minTime <= time <= maxTime in
	// ascending time order, one value per timestamp.
	Scan(ctx context.Context, s model.Series, minTime, maxTime int64) (SeriesIterator, error)
	// Stats aggregates the points of s in [minTime, maxTime] without
	// returning them; stores answer it from chunk statistics where they can.
	Stats(ctx context.Context, s model.Series, minTime, maxTime int64) (Stats, error)
	// Last returns the newest point of s; ok is false when s has none.
	Last(ctx context.Context, s model.Series) (t int64, value any, ok bool, err error)
}

// SeriesIterator streams one series' points.
type SeriesIterator interface {
	// Next returns up to max points; zero points means the end.
	Next(max int) (times []int64, values model.Column, err error)
	Close()
}

// Stats summarises a series over a time range. Min, Max, First and Last
// hold values of the series' Go type (nil when Count is 0). Sum is defined
// for numeric types only.
type Stats struct {
	Count               int64
	Sum                 float64
	Min, Max            any
	FirstTime, LastTime int64
	First, Last         any
}
