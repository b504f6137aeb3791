package tsfiletool

import (
	"encoding/binary"
	"math"

	"github.com/apache/iotdb-client-go/rpc"

	"github.com/sluicedb/sluice/model"
)

// tabletsReq lays tablets of one alignment out as an insertTablets request
// the way IoTDB's clients do: big-endian times; per column one value a row
// (a null row holds a zero placeholder, TEXT is a 4-byte length and the
// bytes); then, when any column has nulls, per column a flag byte and, when
// set, a bitmap of rows/8+1 bytes whose bit 1<<(row%8) of byte row/8 marks
// the row null. The session id is the caller's.
func tabletsReq(tablets []*model.Tablet, aligned bool) *rpc.TSInsertTabletsReq {
	n := len(tablets)
	req := &rpc.TSInsertTabletsReq{
		PrefixPaths:      make([]string, n),
		MeasurementsList: make([][]string, n),
		ValuesList:       make([][]byte, n),
		TimestampsList:   make([][]byte, n),
		TypesList:        make([][]int32, n),
		SizeList:         make([]int32, n),
		IsAligned:        &aligned,
	}
	for i, t := range tablets {
		req.PrefixPaths[i] = t.Device.String()
		req.MeasurementsList[i] = t.Measurements
		times := make([]byte, 0, 8*len(t.Times))
		for _, ts := range t.Times {
			times = binary.BigEndian.AppendUint64(times, uint64(ts))
		}
		req.TimestampsList[i] = times
		req.TypesList[i] = make([]int32, len(t.Columns))
		for j := range t.Columns {
			req.TypesList[i][j] = int32(t.Columns[j].Type)
		}
		req.ValuesList[i] = tabletValues(t)
		req.SizeList[i] = int32(len(t.Times))
	}
	return req
}

func tabletValues(t *model.Tablet) []byte {
	var b []byte
	nulls := false
	for j := range t.Columns {
		c := &t.Columns[j]
		for r := range t.Times {
			null := c.IsNull(r)
			nulls = nulls || null
			switch c.Type {
			case model.Boolean:
				v := byte(0)
				if !null && c.Bools[r] {
					v = 1
				}
				b = append(b, v)
			case model.Int32:
				var v int32
				if !null {
					v = c.Int32s[r]
				}
				b = binary.BigEndian.AppendUint32(b, uint32(v))
			case model.Int64:
				var v int64
				if !null {
					v = c.Int64s[r]
				}
				b = binary.BigEndian.AppendUint64(b, uint64(v))
			case model.Float:
				var v float32
				if !null {
					v = c.Float32s[r]
				}
				b = binary.BigEndian.AppendUint32(b, math.Float32bits(v))
			case model.Double:
				var v float64
				if !null {
					v = c.Float64s[r]
				}
				b = binary.BigEndian.AppendUint64(b, math.Float64bits(v))
			case model.Text:
				var v string
				if !null {
					v = c.Texts[r]
				}
				b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
				b = append(b, v...)
			}
		}
	}
	if !nulls {
		return b
	}
	for j := range t.Columns {
		c := &t.Columns[j]
		if c.Nulls == nil {
			b = append(b, 0)
			continue
		}
		b = append(b, 1)
		bm := make([]byte, len(t.Times)/8+1)
		for r := range t.Times {
			if c.IsNull(r) {
				bm[r/8] |= 1 << (r % 8)
			}
		}
		b = append(b, bm...)
	}
	return b
}
