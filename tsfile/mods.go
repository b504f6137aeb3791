package tsfile

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Deletion is one record of the .mods file IoTDB keeps beside a TsFile: the points of the
// series matching Path (a path pattern: "*" matches one level, "**" any number) with times in
// [StartTime, EndTime] are deleted from the chunks that start before FileOffset (the file's
// length when the deletion was made, so data written later survives).
type Deletion struct {
	Path       string
	FileOffset int64
	StartTime  int64
	EndTime    int64
}

// ReadMods parses a .mods file: one record a line, "DELETION,<path>,<file offset>,<start>,<end>"
// (a path may itself contain commas), or the older "DELETION,<path>,<version>,<end>" which
// deletes everything up to end. A last line without its newline is a record IoTDB was
// writing when it stopped, and is ignored as IoTDB ignores it.
func ReadMods(r io.Reader) ([]Deletion, error) {
	br := bufio.NewReader(r)
	var out []Deletion
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadString('\n')
		if err == io.EOF {
			return out, nil // empty, or an incomplete last line
		}
		if err != nil {
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			continue
		}
		d, err := parseDeletion(line)
		if err != nil {
			return nil, fmt.Errorf("tsfile: mods line %d: %w", lineNo, err)
		}
		out = append(out, d)
	}
}

func parseDeletion(line string) (Deletion, error) {
	f := strings.Split(line, ",")
	if f[0] != "DELETION" {
		return Deletion{}, fmt.Errorf("unknown modification type %q", f[0])
	}
	if len(f) < 4 {
		return Deletion{}, fmt.Errorf("%d fields, a deletion has at least 4", len(f))
	}
	num := func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }
	if len(f) >= 5 {
		if off, err := num(f[len(f)-3]); err == nil {
			start, err1 := num(f[len(f)-2])
			end, err2 := num(f[len(f)-1])
			if err1 != nil || err2 != nil {
				return Deletion{}, fmt.Errorf("invalid time range %q..%q", f[len(f)-2], f[len(f)-1])
			}
			return Deletion{Path: strings.Join(f[1:len(f)-3], ","), FileOffset: off, StartTime: start, EndTime: end}, nil
		}
	}
	version, err1 := num(f[len(f)-2])
	end, err2 := num(f[len(f)-1])
	if err1 != nil || err2 != nil {
		return Deletion{}, fmt.Errorf("invalid deletion %q", line)
	}
	return Deletion{Path: strings.Join(f[1:len(f)-2], ","), FileOffset: version, StartTime: math.MinInt64, EndTime: end}, nil
}

// WriteMods writes deletions in the format ReadMods reads.
func WriteMods(w io.Writer, dels []Deletion) error {
	bw := bufio.NewWriter(w)
	for _, d := range dels {
		fmt.Fprintf(bw, "DELETION,%s,%d,%d,%d\n", d.Path, d.FileOffset, d.StartTime, d.EndTime)
	}
	return bw.Flush()
}

// Matches reports whether the deletion's pattern covers the series device.measurement.
func (d Deletion) Matches(device, measurement string) bool {
	return matchPath(splitPath(d.Path), append(splitPath(device), measurement))
}

// deletes reports whether the deletion removes the point at time t of a chunk at offset.
func (d Deletion) deletes(chunkOffset, t int64) bool {
	return chunkOffset < d.FileOffset && t >= d.StartTime && t <= d.EndTime
}

// splitPath splits a path at dots outside backquoted nodes.
func splitPath(p string) []string {
	var nodes []string
	quoted, start := false, 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '`':
			quoted = !quoted
		case '.':
			if !quoted {
				nodes = append(nodes, p[start:i])
				start = i + 1
			}
		}
	}
	return append(nodes, p[start:])
}

func matchPath(pattern, path []string) bool {
	if len(pattern) == 0 {
		return len(path) == 0
	}
	if pattern[0] == "**" {
		for i := 1; i <= len(path); i++ {
			if matchPath(pattern[1:], path[i:]) {
				return true
			}
		}
		return false
	}
	if len(path) == 0 {
		return false
	}
	return matchNode(pattern[0], path[0]) && matchPath(pattern[1:], path[1:])
}

// matchNode matches one level; "*" inside a node matches any run of characters.
func matchNode(pattern, node string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == node
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(node, parts[0]) {
		return false
	}
	node = node[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(node, p)
		if i < 0 {
			return false
		}
		node = node[i+len(p):]
	}
	return strings.HasSuffix(node, parts[len(parts)-1])
}
