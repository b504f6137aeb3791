package storage

import (
	"fmt"
	"slices"

	"github.com/sluicedb/sluice/model"
)

// Typed column operations used by the memtable and the merge. Each switches
// on the type once per call, not per row.

// appendRows appends the non-null rows of src (with their times) to a
// series' times and column, copying them.
func appendRows(times []int64, dst model.Column, srcTimes []int64, src *model.Column) ([]int64, model.Column) {
	if src.Nulls == nil {
		times = append(times, srcTimes...)
		appendRange(&dst, src, 0, len(srcTimes))
		return times, dst
	}
	keep := make([]int, 0, len(srcTimes))
	for i, null := range src.Nulls {
		if !null {
			keep = append(keep, i)
		}
	}
	for _, i := range keep {
		times = append(times, srcTimes[i])
	}
	sel := src.Gather(keep)
	appendRange(&dst, &sel, 0, len(keep))
	return times, dst
}

// appendRange appends rows [from, to) of src to dst, ignoring nulls.
func appendRange(dst, src *model.Column, from, to int) {
	switch src.Type {
	case model.Boolean:
		dst.Bools = append(dst.Bools, src.Bools[from:to]...)
	case model.Int32:
		dst.Int32s = append(dst.Int32s, src.Int32s[from:to]...)
	case model.Int64:
		dst.Int64s = append(dst.Int64s, src.Int64s[from:to]...)
	case model.Float:
		dst.Float32s = append(dst.Float32s, src.Float32s[from:to]...)
	case model.Double:
		dst.Float64s = append(dst.Float64s, src.Float64s[from:to]...)
	case model.Text:
		dst.Texts = append(dst.Texts, src.Texts[from:to]...)
	}
}

// growColumn returns c with room for n more values, and the capacity of
// its values.
func growColumn(c model.Column, n int) (model.Column, int) {
	switch c.Type {
	case model.Boolean:
		c.Bools = slices.Grow(c.Bools, n)
		return c, cap(c.Bools)
	case model.Int32:
		c.Int32s = slices.Grow(c.Int32s, n)
		return c, cap(c.Int32s)
	case model.Int64:
		c.Int64s = slices.Grow(c.Int64s, n)
		return c, cap(c.Int64s)
	case model.Float:
		c.Float32s = slices.Grow(c.Float32s, n)
		return c, cap(c.Float32s)
	case model.Double:
		c.Float64s = slices.Grow(c.Float64s, n)
		return c, cap(c.Float64s)
	case model.Text:
		c.Texts = slices.Grow(c.Texts, n)
		return c, cap(c.Texts)
	}
	return c, 0
}

// truncate empties a column, keeping its storage.
func truncate(c *model.Column) {
	c.Bools, c.Int32s, c.Int64s = c.Bools[:0], c.Int32s[:0], c.Int64s[:0]
	c.Float32s, c.Float64s, c.Texts = c.Float32s[:0], c.Float64s[:0], c.Texts[:0]
	c.Nulls = nil
}

func gather[T any](s []T, idx []int) []T {
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = s[j]
	}
	return out
}

// Validate checks that w is well formed: a known type, as many values (and
// null flags) as times.
func (w *SeriesWrite) Validate() error {
	if !w.Values.Type.Valid() {
		return fmt.Errorf("series %d: invalid type %d", w.ID, w.Values.Type)
	}
	if w.Values.Len() != len(w.Times) || (w.Values.Nulls != nil && len(w.Values.Nulls) != len(w.Times)) {
		return fmt.Errorf("series %d: %d values for %d times", w.ID, w.Values.Len(), len(w.Times))
	}
	return nil
}
