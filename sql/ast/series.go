package ast

import "github.com/sluicedb/sluice/model"

// SeriesFilterKind is what a SHOW/COUNT TIMESERIES WHERE clause tests.
type SeriesFilterKind uint8

// The filters of SHOW/COUNT TIMESERIES WHERE, as IoTDB 1.3 has them: one
// condition, no AND/OR.
const (
	TagEquals      SeriesFilterKind = iota + 1 // TAGS(k) = v
	TagContains                                // TAGS(k) CONTAINS 'v'
	PathContains                               // TIMESERIES CONTAINS 'x'
	DataTypeEquals                             // DATATYPE = T
)

// SeriesFilter is the condition of SHOW/COUNT TIMESERIES ... WHERE.
type SeriesFilter struct {
	Kind  SeriesFilterKind
	Key   string         // the tag key (TagEquals, TagContains)
	Value string         // the tag value or the path substring
	Type  model.DataType // DataTypeEquals
}

// AlterKind is the operation of ALTER TIMESERIES.
type AlterKind uint8

// The operations of ALTER TIMESERIES. Data regions log them by number:
// append only, never renumber.
const (
	AlterRename        AlterKind = iota + 1 // RENAME k TO k2
	AlterSet                                // SET k=v, ...
	AlterDrop                               // DROP k, ...
	AlterAddTags                            // ADD TAGS k=v, ...
	AlterAddAttributes                      // ADD ATTRIBUTES k=v, ...
	AlterUpsert                             // UPSERT [ALIAS=a] [TAGS(...)] [ATTRIBUTES(...)]
)

// AlterTimeseries is ALTER TIMESERIES path followed by one operation on its
// tags, attributes or alias.
type AlterTimeseries struct {
	Path model.Path
	Kind AlterKind
	// Pairs are the k=v of SET, ADD TAGS and ADD ATTRIBUTES.
	Pairs map[string]string
	// Keys are the keys of DROP, or the old and new key of RENAME.
	Keys []string
	// Alias, Tags and Attributes are UPSERT's clauses; Alias is empty and
	// the maps nil when a clause is absent.
	Alias      string
	Tags       map[string]string
	Attributes map[string]string
}

func (*AlterTimeseries) statement() {}
