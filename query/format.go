package query

import (
	"strconv"

	"github.com/sluicedb/sluice/model"
)

// formatValue renders a value of a series of type t as IoTDB's Java server
// prints it: LAST queries return every value as TEXT.
func formatValue(v value, t model.DataType) string {
	switch v.k {
	case kBool:
		return strconv.FormatBool(v.b)
	case kInt:
		return strconv.FormatInt(v.i, 10)
	case kFloat:
		if t == model.Float {
			return model.FormatFloat(v.f, 32)
		}
		return model.FormatFloat(v.f, 64)
	case kText:
		return v.s
	}
	return "null"
}
