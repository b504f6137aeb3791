// Package model holds the data model every Sluice component shares: data types,
// encodings and compressors with IoTDB's numbering, series paths, columnar
// tablets (the unit of ingest) and result batches (the unit of query output).
package model
