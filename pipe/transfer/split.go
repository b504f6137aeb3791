package transfer

import "github.com/sluicedb/sluice/model"

// Split divides tablets, in order, into groups that each fit a receiver's
// limit of max bytes (HandshakeResult.MaxPayloadBytes): both the encoded
// payload and the memory of the decoded tablets, as DecodeTabletsWithin
// counts them, estimated from above. A tablet too large on its own is
// split by rows; a single row larger than max stays whole, for the
// receiver to refuse. Tablets that fit come back as the one group, not
// copied.
func Split(tablets []*model.Tablet, max int) [][]*model.Tablet {
	budget := max - 16 // the tablet count, and rounding
	total := 0
	for _, t := range tablets {
		total += tabletCost(t)
	}
	if total <= budget {
		return [][]*model.Tablet{tablets}
	}
	var parts [][]*model.Tablet
	var cur []*model.Tablet
	used := 0
	var add func(t *model.Tablet)
	add = func(t *model.Tablet) {
		c := tabletCost(t)
		if c > budget && len(t.Times) > 1 {
			half := len(t.Times) / 2
			add(rowRange(t, 0, half))
			add(rowRange(t, half, len(t.Times)))
			return
		}
		if used+c > budget && len(cur) > 0 {
			parts, cur, used = append(parts, cur), nil, 0
		}
		cur, used = append(cur, t), used+c
	}
	for _, t := range tablets {
		add(t)
	}
	if len(cur) > 0 {
		parts = append(parts, cur)
	}
	return parts
}

// rowRange is rows [from, to) of t, sharing its storage.
func rowRange(t *model.Tablet, from, to int) *model.Tablet {
	out := &model.Tablet{Device: t.Device, Aligned: t.Aligned, Measurements: t.Measurements, Times: t.Times[from:to], Columns: make([]model.Column, len(t.Columns))}
	for i := range t.Columns {
		out.Columns[i] = t.Columns[i].Slice(from, to)
	}
	return out
}

// tabletCost bounds from above both the encoded size of t (tabletBound)
// and the memory its decoding is charged.
func tabletCost(t *model.Tablet) int {
	rows := len(t.Times)
	dec := tabletBytes + 8*rows + len(t.Device)*stringBytes
	for i := range t.Columns {
		c := &t.Columns[i]
		dec += columnBytes + rows*valueBytes(c.Type)
		if c.Nulls != nil {
			dec += rows
		}
	}
	return max(tabletBound(t), dec)
}
