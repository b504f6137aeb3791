// Package clientwire encodes tablets as the requests of IoTDB's client
// protocol (TSIService), byte for byte as IoTDB's own clients lay them out:
// what Sluice's legacy pipe sink and its import tool send.
package clientwire

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/iotdb-client-go/rpc"

	"github.com/sluicedb/sluice/model"
)

// InsertTabletsReq lays tablets out as a TSIService insertTablets request,
// byte for byte as IoTDB's clients do: big-endian timestamps; per column
// one value per row (nulls as zero placeholders, TEXT as a 4-byte length
// and the bytes); then, only when some column has nulls, per column a flag
// byte and, if set, a bitmap of rows/8+1 bytes in which bit 1<<(row%8) of
// byte row/8 marks the row null. All tablets must share aligned.
// SessionId is left for the caller. It also returns the request's size in
// bytes, for rate limits, and an error for a tablet that does not validate.
func InsertTabletsReq(tablets []*model.Tablet, aligned bool) (*rpc.TSInsertTabletsReq, int, error) {
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
	size := 0
	for i, t := range tablets {
		if err := t.Validate(); err != nil {
			return nil, 0, err
		}
		if t.Aligned != aligned {
			panic("BUG: InsertTabletsReq given tablets of mixed alignment")
		}
		req.PrefixPaths[i] = t.Device.String()
		req.MeasurementsList[i] = make([]string, len(t.Measurements))
		req.TypesList[i] = make([]int32, len(t.Columns))
		for j, m := range t.Measurements {
			req.MeasurementsList[i][j] = model.Path{m}.String()
			req.TypesList[i][j] = int32(t.Columns[j].Type)
		}
		req.SizeList[i] = int32(t.Rows())
		times := make([]byte, 0, 8*t.Rows())
		for _, ts := range t.Times {
			times = binary.BigEndian.AppendUint64(times, uint64(ts))
		}
		req.TimestampsList[i] = times
		req.ValuesList[i] = tabletValues(t)
		size += len(req.PrefixPaths[i]) + len(req.TimestampsList[i]) + len(req.ValuesList[i])
		for _, m := range req.MeasurementsList[i] {
			size += len(m) + 4
		}
	}
	return req, size, nil
}

// tabletValues encodes the columns and their null bitmaps.
func tabletValues(t *model.Tablet) []byte {
	rows := t.Rows()
	var b []byte
	hasNulls := false
	for i := range t.Columns {
		c := &t.Columns[i]
		var fixed bool
		switch b, fixed = model.AppendFixedBigEndian(b, c); {
		case fixed:
		case c.Type == model.Text:
			for _, v := range c.Texts {
				b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
				b = append(b, v...)
			}
		default:
			panic(fmt.Sprintf("BUG: validated tablet has column type %d", c.Type))
		}
		if hasNull(c) {
			hasNulls = true
		}
	}
	if !hasNulls {
		return b
	}
	for i := range t.Columns {
		c := &t.Columns[i]
		if !hasNull(c) {
			b = append(b, 0)
			continue
		}
		b = append(b, 1)
		bits := make([]byte, rows/8+1)
		for row, null := range c.Nulls {
			if null {
				bits[row/8] |= 1 << (row % 8)
			}
		}
		b = append(b, bits...)
	}
	return b
}

func hasNull(c *model.Column) bool {
	for _, n := range c.Nulls {
		if n {
			return true
		}
	}
	return false
}
