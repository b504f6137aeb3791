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
		times = append(doubling(times, len(srcTimes)), srcTimes...)
		appendRange(&dst, src, 0, len(srcTimes))
		return times, dst
	}
	keep := make([]int, 0, len(srcTimes))
	for i, null := range src.Nulls {
		if !null {
			keep = append(keep, i)
		}
	}
	times = doubling(times, len(keep))
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
		dst.Bools = append(doubling(dst.Bools, to-from), src.Bools[from:to]...)
	case model.Int32:
		dst.Int32s = append(doubling(dst.Int32s, to-from), src.Int32s[from:to]...)
	case model.Int64:
		dst.Int64s = append(doubling(dst.Int64s, to-from), src.Int64s[from:to]...)
	case model.Float:
		dst.Float32s = append(doubling(dst.Float32s, to-from), src.Float32s[from:to]...)
	case model.Double:
		dst.Float64s = append(doubling(dst.Float64s, to-from), src.Float64s[from:to]...)
	case model.Text:
		dst.Texts = append(doubling(dst.Texts, to-from), src.Texts[from:to]...)
	}
}

// doubling returns s with room for add more elements, at least doubling
// its capacity when it has to grow. A memtable series grows by a write of
// a few hundred rows at a time to thousands of rows; append's growth of
// large slices (a quarter at a time) copied each row several times over.
func doubling[T any](s []T, add int) []T {
	if len(s)+add <= cap(s) {
		return s
	}
	return slices.Grow(s, max(add, cap(s)))
}

// growColumn returns c with room for n more values.
func growColumn(c model.Column, n int) model.Column {
	switch c.Type {
	case model.Boolean:
		c.Bools = slices.Grow(c.Bools, n)
	case model.Int32:
		c.Int32s = slices.Grow(c.Int32s, n)
	case model.Int64:
		c.Int64s = slices.Grow(c.Int64s, n)
	case model.Float:
		c.Float32s = slices.Grow(c.Float32s, n)
	case model.Double:
		c.Float64s = slices.Grow(c.Float64s, n)
	case model.Text:
		c.Texts = slices.Grow(c.Texts, n)
	}
	return c
}

// colCap is the capacity of c's values.
func colCap(c *model.Column) int {
	switch c.Type {
	case model.Boolean:
		return cap(c.Bools)
	case model.Int32:
		return cap(c.Int32s)
	case model.Int64:
		return cap(c.Int64s)
	case model.Float:
		return cap(c.Float32s)
	case model.Double:
		return cap(c.Float64s)
	case model.Text:
		return cap(c.Texts)
	}
	return 0
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
