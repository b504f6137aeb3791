package tsfile

import "sort"

// Close writes the metadata section and the tail, and flushes. It does not close the
// underlying io.Writer.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	metaOffset := w.pos
	w.write([]byte{markerSeparator})
	names := make([]string, 0, len(w.devices))
	paths := 0
	for d, series := range w.devices {
		if len(series) > 0 {
			names = append(names, d)
			paths += len(series)
		}
	}
	sort.Strings(names)
	bloom := newBloomFilter(paths)
	deviceNodes := make([]*indexNode, len(names))
	for i, d := range names {
		deviceNodes[i] = w.writeSeriesIndex(d, bloom)
	}
	root := w.writeDeviceIndex(names, deviceNodes)
	meta := root.append(nil)
	meta = appendInt64(meta, metaOffset)
	meta = bloom.append(meta)
	meta = appendInt32(meta, int32(len(meta)))
	w.write(meta)
	w.write([]byte(magic))
	if w.err == nil {
		w.err = w.out.Flush()
	}
	return w.err
}

// writeSeriesIndex writes a device's timeseries metadata (sorted by measurement, the time
// column's "" first) and returns the root of its measurement index; leaf entries point at
// every maxIndexDegree-th series.
func (w *Writer) writeSeriesIndex(device string, bloom *BloomFilter) *indexNode {
	series := w.devices[device]
	names := make([]string, 0, len(series))
	for m := range series {
		names = append(names, m)
	}
	sort.Strings(names)
	var leaves []*indexNode
	var cur *indexNode
	for i, m := range names {
		bloom.add(device + "." + m)
		if i%maxIndexDegree == 0 {
			if cur != nil && len(cur.entries) == maxIndexDegree {
				cur.endOffset = w.pos
				leaves = append(leaves, cur)
				cur = nil
			}
			if cur == nil {
				cur = &indexNode{kind: nodeLeafMeasurement}
			}
			cur.entries = append(cur.entries, indexEntry{name: m, offset: w.pos})
		}
		w.write(series[m].append(nil))
	}
	cur.endOffset = w.pos
	leaves = append(leaves, cur)
	return w.buildLevels(leaves, nodeInternalMeasurement)
}

// buildLevels writes nodes under internal nodes of kind until one node remains, which it
// returns unwritten.
func (w *Writer) buildLevels(nodes []*indexNode, kind byte) *indexNode {
	for len(nodes) > 1 {
		var parents []*indexNode
		var cur *indexNode
		for _, n := range nodes {
			if cur != nil && len(cur.entries) == maxIndexDegree {
				cur.endOffset = w.pos
				parents = append(parents, cur)
				cur = nil
			}
			if cur == nil {
				cur = &indexNode{kind: kind}
			}
			cur.entries = append(cur.entries, indexEntry{name: n.entries[0].name, offset: w.pos})
			w.write(n.append(nil))
		}
		cur.endOffset = w.pos
		nodes = append(parents, cur)
	}
	return nodes[0]
}

// writeDeviceIndex writes each device's measurement index root and the device nodes above
// them, returning the root (kept for the file metadata).
func (w *Writer) writeDeviceIndex(names []string, roots []*indexNode) *indexNode {
	var leaves []*indexNode
	var cur *indexNode
	for i, d := range names {
		if cur != nil && len(cur.entries) == maxIndexDegree {
			cur.endOffset = w.pos
			leaves = append(leaves, cur)
			cur = nil
		}
		if cur == nil {
			cur = &indexNode{kind: nodeLeafDevice}
		}
		cur.entries = append(cur.entries, indexEntry{name: d, offset: w.pos})
		w.write(roots[i].append(nil))
	}
	if cur == nil {
		cur = &indexNode{kind: nodeLeafDevice}
	}
	cur.endOffset = w.pos
	leaves = append(leaves, cur)
	if len(leaves) == 1 {
		return leaves[0]
	}
	root := w.buildLevels(leaves, nodeInternalDevice)
	root.endOffset = w.pos
	return root
}
