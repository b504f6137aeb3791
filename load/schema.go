package load

import (
	"fmt"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/tsfile"
)

// Device is one device's series as a TsFile declares them.
type Device struct {
	Path         model.Path
	Aligned      bool
	Measurements []string
	Types        []model.DataType
	// Points is how many values the file's statistics count for the device,
	// before deletions.
	Points int64
}

// ModelType maps a TsFile type to the one Sluice stores it as: the types
// IoTDB 1.3.1 added keep their physical layout (TIMESTAMP as INT64, DATE as
// INT32, STRING and BLOB as TEXT).
func ModelType(t tsfile.DataType) (model.DataType, error) {
	switch t {
	case tsfile.Boolean:
		return model.Boolean, nil
	case tsfile.Int32, tsfile.Date:
		return model.Int32, nil
	case tsfile.Int64, tsfile.Timestamp:
		return model.Int64, nil
	case tsfile.Float:
		return model.Float, nil
	case tsfile.Double:
		return model.Double, nil
	case tsfile.Text, tsfile.String, tsfile.Blob:
		return model.Text, nil
	}
	return 0, fmt.Errorf("series type %s cannot be loaded", t)
}

// Schema reads the devices and series of an open file from its index, without
// decoding any data.
func Schema(r *tsfile.Reader) ([]Device, error) {
	names, err := r.Devices()
	if err != nil {
		return nil, err
	}
	out := make([]Device, 0, len(names))
	for _, name := range names {
		p, err := model.ParseFullPath(name)
		if err != nil {
			return nil, fmt.Errorf("device %q: %w", name, err)
		}
		series, err := r.Series(name)
		if err != nil {
			return nil, err
		}
		d := Device{Path: p}
		for _, s := range series {
			if s.TimeColumn {
				d.Aligned = true
				continue
			}
			t, err := ModelType(s.Type)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", name, s.Measurement, err)
			}
			if s.Stats != nil {
				d.Points += int64(s.Stats.Count)
			}
			d.Measurements = append(d.Measurements, s.Measurement)
			d.Types = append(d.Types, t)
		}
		out = append(out, d)
	}
	return out, nil
}
