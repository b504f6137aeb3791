// Package query executes data queries (SELECT, SELECT LAST, aggregations,
// GROUP BY time and LEVEL, HAVING, FILL, ALIGN BY DEVICE, scalar functions,
// CAST and IoTDB's other built-in functions) against a Store that serves
// series data, streaming results as model.Result batches. Aggregations
// fold each series on its own and merge series (GROUP BY LEVEL) here, so a
// Store that routes each series to the region holding it answers a cluster
// query as one server would. Explain and ExplainAnalyze describe the plan
// Execute makes, through a Store that records what is read.
package query
