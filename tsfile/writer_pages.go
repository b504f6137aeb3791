package tsfile

// presentRows returns the times and values of series i's non-null rows.
func presentRows(tab *Tablet, i int) ([]int64, Column) {
	col := tab.Columns[i]
	if tab.Nulls == nil || tab.Nulls[i] == nil {
		return tab.Times, col
	}
	var times []int64
	out := Column{Type: col.Type}
	for row, t := range tab.Times {
		if !tab.Nulls[i][row] {
			times = append(times, t)
			out.appendFrom(&col, row)
		}
	}
	return times, out
}

// appendFrom appends value i of src.
func (c *Column) appendFrom(src *Column, i int) {
	switch c.Type.physical() {
	case Boolean:
		c.Bools = append(c.Bools, src.Bools[i])
	case Int32:
		c.Int32s = append(c.Int32s, src.Int32s[i])
	case Int64:
		c.Int64s = append(c.Int64s, src.Int64s[i])
	case Float:
		c.Floats = append(c.Floats, src.Floats[i])
	case Double:
		c.Doubles = append(c.Doubles, src.Doubles[i])
	case Text:
		c.Texts = append(c.Texts, src.Texts[i])
	}
}

// pageBounds splits n rows into pages, returning each page's end: a page closes at
// PagePoints rows or when one column's values reach PageBytes. null(i, row), when given,
// tells rows of column i that hold no value.
func (w *Writer) pageBounds(n int, cols []*Column, null func(i, row int) bool) []int {
	var bounds []int
	sizes := make([]int, len(cols))
	start := 0
	for row := 0; row < n; row++ {
		full := row+1-start >= w.cfg.PagePoints
		for i, c := range cols {
			if null != nil && null(i, row) {
				continue
			}
			sizes[i] += valueSize(c, row)
			full = full || sizes[i] >= w.cfg.PageBytes
		}
		if full || row == n-1 {
			bounds = append(bounds, row+1)
			start = row + 1
			clear(sizes)
		}
	}
	return bounds
}

// valueSize estimates the encoded size of value row of c.
func valueSize(c *Column, row int) int {
	switch c.Type.physical() {
	case Boolean:
		return 1
	case Int32, Float:
		return 4
	case Text:
		return 4 + len(c.Texts[row])
	}
	return 8
}
