package ast

import "github.com/sluicedb/sluice/model"

// Statement is any SQL statement.
type Statement interface{ statement() }

// Insert is INSERT INTO device(time, m1, ...) [ALIGNED] VALUES (...), (...).
type Insert struct {
	Device       model.Path
	Aligned      bool
	Measurements []string
	// Rows holds, per row, the time literal followed by one value per measurement.
	Rows []InsertRow
}

// InsertRow is one parenthesised row of an INSERT.
type InsertRow struct {
	// Time is a *Literal (Int, DateTime), now(), either one plus or minus
	// durations (a *Binary), or nil when the INSERT names no time column:
	// its one row is stamped with the server's time.
	Time   Expr
	Values []*Literal
}

// InsertTablets writes tablets that arrived through a client RPC. It has no
// SQL syntax. Typed is false for string records, whose values are Text
// columns to be converted to the series' types (inferred on auto-create).
type InsertTablets struct {
	Tablets []*model.Tablet
	Typed   bool
}

// Select is a data query: SELECT [LAST] items FROM prefixes [WHERE]
// [GROUP BY time and/or LEVEL] [HAVING] [FILL] [ORDER BY TIME DESC]
// [LIMIT/OFFSET] [SLIMIT/SOFFSET] [ALIGN BY DEVICE].
type Select struct {
	Last    bool
	Items   []SelectItem
	From    []model.Path
	Where   Expr
	GroupBy *GroupByTime
	// Levels are the path levels of GROUP BY LEVEL = n[, m...]; nil when
	// absent.
	Levels        []int
	Having        Expr
	Fill          *Fill
	OrderDesc     bool
	Limit         int64 // -1 when absent
	Offset        int64
	SLimit        int64 // -1 when absent
	SOffset       int64
	AlignByDevice bool
	// OrderBy lists the keys of ORDER BY as written; nil when absent.
	OrderBy []OrderItem
}

// SortKey is a key of ORDER BY.
type SortKey int

// Sort keys.
const (
	SortTime       SortKey = iota // TIME (or TIMESTAMP)
	SortDevice                    // DEVICE: ALIGN BY DEVICE only
	SortTimeseries                // TIMESERIES: SELECT LAST only
)

// OrderItem is one key of ORDER BY with its direction.
type OrderItem struct {
	Key  SortKey
	Desc bool
}

// SelectItem is one result expression with an optional AS alias.
type SelectItem struct {
	Expr  Expr
	Alias string
}

// GroupByTime is GROUP BY ([start, end), interval[, step]). LeftOpen marks
// the (start, end] form.
type GroupByTime struct {
	// Start and End are *Literal (Int, DateTime) or now(), possibly ± a
	// duration (a *Binary); both nil in the GROUP BY (interval) form.
	Start, End Expr
	Interval   Duration
	Step       Duration // zero when absent: equal to Interval
	LeftOpen   bool
}

// FillMethod is how FILL replaces nulls.
type FillMethod int

// Fill methods.
const (
	FillPrevious FillMethod = iota // the column's previous non-null value
	FillLinear                     // interpolated between the previous and next non-null values
	FillConstant                   // Value, where its type fits the column
)

// Fill is FILL(PREVIOUS | LINEAR | constant[, duration]).
type Fill struct {
	Method FillMethod
	Value  *Literal // FillConstant only
	// Bound, when not zero, limits FILL(PREVIOUS, bound): a null further
	// than Bound from the previous non-null value stays null.
	Bound Duration
}

// Duration is an IoTDB duration literal such as 1d2h or 1mo. Months are kept
// apart because their length varies.
type Duration struct {
	Months int64
	Millis int64
}

// IsZero reports whether the duration is absent.
func (d Duration) IsZero() bool { return d.Months == 0 && d.Millis == 0 }

// Delete is DELETE FROM paths [WHERE time-condition].
type Delete struct {
	Paths []model.Path
	Where Expr
}

// Flush is FLUSH [databases]: persist memtables.
type Flush struct{ Databases []model.Path }

// CreateDatabase is CREATE DATABASE p (also SET STORAGE GROUP TO p).
type CreateDatabase struct{ Path model.Path }

// DropDatabase is DROP DATABASE p[, p...] (also DELETE STORAGE GROUP).
type DropDatabase struct{ Paths []model.Path }

// ShowDatabases is SHOW DATABASES [pattern] (also SHOW STORAGE GROUP).
type ShowDatabases struct{ Pattern model.Path }

// MeasurementSpec declares one series: name (or full path for CREATE
// TIMESERIES), type, optional encoding and compressor (nil: the default).
type MeasurementSpec struct {
	Name       string
	Type       model.DataType
	Encoding   *model.Encoding
	Compressor *model.Compressor
	Alias      string
	Tags       map[string]string // TAGS(k=v, ...); nil when absent
	Attributes map[string]string // ATTRIBUTES(k=v, ...); nil when absent
}

// CreateTimeseries is CREATE TIMESERIES path WITH DATATYPE=..., ENCODING=..., COMPRESSOR=...
// (also the short form CREATE TIMESERIES path INT32 ...).
type CreateTimeseries struct {
	Path model.Path
	Spec MeasurementSpec // Spec.Name is the path's last node
}

// CreateAlignedTimeseries is CREATE ALIGNED TIMESERIES device(m1 type ..., m2 ...).
type CreateAlignedTimeseries struct {
	Device       model.Path
	Measurements []MeasurementSpec
}

// DeleteTimeseries is DELETE TIMESERIES patterns (also DROP TIMESERIES).
type DeleteTimeseries struct{ Patterns []model.Path }

// ShowTimeseries is SHOW TIMESERIES [pattern] [WHERE filter] [LIMIT n] [OFFSET n].
type ShowTimeseries struct {
	Pattern       model.Path
	Where         *SeriesFilter // nil when absent
	Limit, Offset int64         // Limit -1 when absent
}

// ShowDevices is SHOW DEVICES [pattern] [WITH DATABASE] [LIMIT n] [OFFSET n].
type ShowDevices struct {
	Pattern       model.Path
	WithDatabase  bool // adds the Database column
	Limit, Offset int64
}

// CountTimeseries is COUNT TIMESERIES [pattern] [WHERE filter] [GROUP BY LEVEL = n].
type CountTimeseries struct {
	Pattern model.Path
	Where   *SeriesFilter // nil when absent
	Level   int           // 0 when absent
}

// CountDevices is COUNT DEVICES [pattern].
type CountDevices struct{ Pattern model.Path }

// CountDatabases is COUNT DATABASES [pattern] (also COUNT STORAGE GROUP).
type CountDatabases struct{ Pattern model.Path }

// ShowChildPaths is SHOW CHILD PATHS [pattern]: the paths one level below
// the nodes the pattern matches, with their node types.
type ShowChildPaths struct{ Pattern model.Path }

// ShowChildNodes is SHOW CHILD NODES [pattern]: the names of the nodes one
// level below the nodes the pattern matches.
type ShowChildNodes struct{ Pattern model.Path }

// CountNodes is COUNT NODES pattern LEVEL = n.
type CountNodes struct {
	Pattern model.Path
	Level   int
}

// SetTTL is SET TTL TO path ttl-millis.
type SetTTL struct {
	Path model.Path
	TTL  int64
}

// UnsetTTL is UNSET TTL TO path.
type UnsetTTL struct{ Path model.Path }

// ShowTTL is SHOW TTL [ON paths] / SHOW ALL TTL.
type ShowTTL struct{ Paths []model.Path }

// ShowVersion is SHOW VERSION.
type ShowVersion struct{}

// CreateUser is CREATE USER name 'password'.
type CreateUser struct{ Name, Password string }

// DropUser is DROP USER name.
type DropUser struct{ Name string }

// AlterUserPassword is ALTER USER name SET PASSWORD 'password'.
type AlterUserPassword struct{ Name, Password string }

// Grant is GRANT privileges ON paths TO USER|ROLE name [WITH GRANT OPTION].
type Grant struct {
	Privileges  []string // upper-case names, e.g. READ_DATA, USE_PIPE, ALL
	Paths       []model.Path
	User        string
	Role        string // set instead of User by TO ROLE
	GrantOption bool   // WITH GRANT OPTION: the user may grant these privileges on
}

// Revoke is REVOKE privileges ON paths FROM USER|ROLE name.
type Revoke struct {
	Privileges []string
	Paths      []model.Path
	User       string
	Role       string // set instead of User by FROM ROLE
}

// ListUser is LIST USER, or LIST USER OF ROLE name when Role is set.
type ListUser struct{ Role string }

// ListPrivileges is LIST PRIVILEGES OF USER name, or OF ROLE name when
// Role is set.
type ListPrivileges struct{ User, Role string }

// CreateRole is CREATE ROLE name.
type CreateRole struct{ Name string }

// DropRole is DROP ROLE name.
type DropRole struct{ Name string }

// GrantRole is GRANT ROLE role TO user.
type GrantRole struct{ Role, User string }

// RevokeRole is REVOKE ROLE role FROM user.
type RevokeRole struct{ Role, User string }

// ListRole is LIST ROLE, or LIST ROLE OF USER name when User is set.
type ListRole struct{ User string }

// Attribute is one 'key' = 'value' pair of a pipe's plugin clause, in the
// order written.
type Attribute struct{ Key, Value string }

// CreatePipe is CREATE PIPE [IF NOT EXISTS] id [WITH SOURCE (...)]
// [WITH PROCESSOR (...)] WITH SINK (...). EXTRACTOR and CONNECTOR are
// accepted for SOURCE and SINK.
type CreatePipe struct {
	Name string
	// IfNotExists makes an existing pipe of that name no error (and leaves
	// it as it is), as in IoTDB 1.3.3.
	IfNotExists bool
	Source      []Attribute
	Processor   []Attribute
	Sink        []Attribute
}

// StartPipe is START PIPE id.
type StartPipe struct{ Name string }

// StopPipe is STOP PIPE id.
type StopPipe struct{ Name string }

// DropPipe is DROP PIPE [IF EXISTS] id.
type DropPipe struct {
	Name string
	// IfExists makes a missing pipe no error, as in IoTDB 1.3.3.
	IfExists bool
}

// ShowPipes is SHOW PIPES, SHOW PIPE id, or SHOW PIPES WHERE SINK USED BY id.
type ShowPipes struct {
	Name   string // SHOW PIPE id
	UsedBy string // WHERE SINK USED BY id
}

// AlterPipe is ALTER PIPE [IF EXISTS] id [MODIFY|REPLACE SOURCE (...)]
// [MODIFY|REPLACE PROCESSOR (...)] [MODIFY|REPLACE SINK (...)], as in
// IoTDB 1.3.3. A nil clause leaves that stage as it is.
type AlterPipe struct {
	Name string
	// IfExists makes a missing pipe no error.
	IfExists  bool
	Source    *PipeChange
	Processor *PipeChange
	Sink      *PipeChange
}

// PipeChange is one clause of ALTER PIPE: MODIFY merges Attributes into
// the stage's current ones, REPLACE (Replace set) puts them in their place.
type PipeChange struct {
	Replace    bool
	Attributes []Attribute
}

// ShowPipePlugins is SHOW PIPEPLUGINS.
type ShowPipePlugins struct{}

// ShowPipeStatistics is SHOW PIPES STATISTICS: every pipe's cluster-wide
// state, backlog, rate, lag and estimate.
type ShowPipeStatistics struct{}

// ShowCluster is SHOW CLUSTER [DETAILS].
type ShowCluster struct{ Details bool }

// RemoveConfigNode is REMOVE CONFIGNODE id: the ConfigNode leaves the
// metadata Raft group.
type RemoveConfigNode struct{ NodeID int64 }

// ShowConfigNodes is SHOW CONFIGNODES.
type ShowConfigNodes struct{}

// ShowDataNodes is SHOW DATANODES.
type ShowDataNodes struct{}

// ShowRegions is SHOW [DATA|SCHEMA] REGIONS.
type ShowRegions struct {
	Kind string // "DATA" or "SCHEMA" to show only those regions; "" for all
}

// LoadTsFile is LOAD 'path' [option ...]: it loads a TsFile, or every
// .tsfile under a directory, from the server's file system. Both of IoTDB
// 1.3's option forms (sglevel=2 verify=true onSuccess=delete, and WITH
// ('database-level'='2', 'on-success'='delete', ...)) parse to these fields.
type LoadTsFile struct {
	Path string
	// DatabaseLevel is how many nodes below root a database created for the
	// file's devices spans; 0 is the server's default.
	DatabaseLevel int
	// Verify reads every file whole before writing any of it, so that a
	// corrupt file loads nothing (IoTDB's default: true).
	Verify bool
	// DeleteOnSuccess removes each file (and its .mods) once it is loaded.
	DeleteOnSuccess bool
}

func (*LoadTsFile) statement()              {}
func (*Insert) statement()                  {}
func (*InsertTablets) statement()           {}
func (*Select) statement()                  {}
func (*Delete) statement()                  {}
func (*Flush) statement()                   {}
func (*CreateDatabase) statement()          {}
func (*DropDatabase) statement()            {}
func (*ShowDatabases) statement()           {}
func (*CreateTimeseries) statement()        {}
func (*CreateAlignedTimeseries) statement() {}
func (*DeleteTimeseries) statement()        {}
func (*ShowTimeseries) statement()          {}
func (*ShowDevices) statement()             {}
func (*CountTimeseries) statement()         {}
func (*CountDevices) statement()            {}
func (*CountDatabases) statement()          {}
func (*ShowChildPaths) statement()          {}
func (*ShowChildNodes) statement()          {}
func (*CountNodes) statement()              {}
func (*SetTTL) statement()                  {}
func (*UnsetTTL) statement()                {}
func (*ShowTTL) statement()                 {}
func (*ShowVersion) statement()             {}
func (*CreateUser) statement()              {}
func (*DropUser) statement()                {}
func (*AlterUserPassword) statement()       {}
func (*Grant) statement()                   {}
func (*Revoke) statement()                  {}
func (*ListUser) statement()                {}
func (*ListPrivileges) statement()          {}
func (*CreateRole) statement()              {}
func (*DropRole) statement()                {}
func (*GrantRole) statement()               {}
func (*RevokeRole) statement()              {}
func (*ListRole) statement()                {}
func (*CreatePipe) statement()              {}
func (*StartPipe) statement()               {}
func (*StopPipe) statement()                {}
func (*DropPipe) statement()                {}
func (*ShowPipes) statement()               {}
func (*AlterPipe) statement()               {}
func (*ShowPipePlugins) statement()         {}
func (*ShowPipeStatistics) statement()      {}
func (*ShowCluster) statement()             {}
func (*ShowConfigNodes) statement()         {}
func (*RemoveConfigNode) statement()        {}
func (*ShowDataNodes) statement()           {}
func (*ShowRegions) statement()             {}

// Explain is EXPLAIN [ANALYZE [VERBOSE]] query: without ANALYZE it
// describes the query's distributed plan; with it, it runs the query and
// reports each operator's rows and time.
type Explain struct {
	Analyze bool
	Verbose bool
	Query   *Select
}

// ColumnOrder is one key of an ORDER BY over a statement's result
// columns, such as SHOW QUERIES'.
type ColumnOrder struct {
	Column string // as written
	Desc   bool
}

// ShowQueries is SHOW QUERIES [WHERE cond] [ORDER BY key [ASC|DESC], ...]
// [LIMIT n] [OFFSET n]: the queries running on every DataNode.
type ShowQueries struct {
	Where   Expr // over the result columns; nil when absent
	OrderBy []ColumnOrder
	Limit   int64 // -1 when absent
	Offset  int64
}

// KillQuery is KILL QUERY 'id', or KILL ALL QUERIES when ID is empty.
type KillQuery struct{ ID string }

func (*Explain) statement()     {}
func (*ShowQueries) statement() {}
func (*KillQuery) statement()   {}
