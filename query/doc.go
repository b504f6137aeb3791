// Package query executes data queries (SELECT, SELECT LAST, aggregations,
// GROUP BY time, ALIGN BY DEVICE) against a Store that serves series data,
// streaming results as model.Result batches.
package query
