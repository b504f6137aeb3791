package model

// Series is one time series as the schema knows it.
type Series struct {
	Path       Path // device nodes followed by the measurement
	Type       DataType
	Encoding   Encoding
	Compressor Compressor
	Alias      string
	Aligned    bool   // the device is aligned
	Database   string // e.g. "root.sg"
	// Tags are indexed key-value pairs a SHOW/COUNT TIMESERIES WHERE can
	// filter on; Attributes are shown but not filterable. Nil when none.
	Tags       map[string]string
	Attributes map[string]string
}

// Device returns the series' device path.
func (s *Series) Device() Path { return s.Path.Parent() }

// Measurement returns the series' last node.
func (s *Series) Measurement() string { return s.Path.Last() }
