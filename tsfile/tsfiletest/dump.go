package tsfiletest

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/model"
)

// Dump is a parsed expected dump.
type Dump struct {
	// Head is the first line: head magic, version and tail magic.
	Head    string
	Devices []Device
}

// Device is one device of a dump.
type Device struct {
	Name string
	// Series are full series paths, in the order the row values are listed.
	Series []string
	// Rows are the device's rows in time order: the time, then one cell per
	// series, "null" for a missing value.
	Rows [][]string
}

// ParseDump reads a dump: the head line, then per device a line
// "device <name> [<series>, ...]", a tab-separated line per row and a line
// "rows <n>".
func ParseDump(text string) (*Dump, error) {
	d := &Dump{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, 1<<20)
	line := 0
	for sc.Scan() {
		line++
		l := sc.Text()
		switch {
		case line == 1:
			d.Head = l
		case strings.HasPrefix(l, "device "):
			name, list, ok := strings.Cut(strings.TrimPrefix(l, "device "), " ")
			if !ok {
				return nil, fmt.Errorf("line %d: device line without series", line)
			}
			d.Devices = append(d.Devices, Device{Name: name, Series: strings.Split(strings.Trim(list, "[]"), ", ")})
		case strings.HasPrefix(l, "rows "):
			n, err := strconv.Atoi(strings.TrimPrefix(l, "rows "))
			if err != nil || len(d.Devices) == 0 || n != len(d.Devices[len(d.Devices)-1].Rows) {
				return nil, fmt.Errorf("line %d: %q does not count the device's rows", line, l)
			}
		case l == "":
		default:
			if len(d.Devices) == 0 {
				return nil, fmt.Errorf("line %d: row before any device", line)
			}
			dev := &d.Devices[len(d.Devices)-1]
			cells := strings.Split(l, "\t")
			if len(cells) != len(dev.Series)+1 {
				return nil, fmt.Errorf("line %d: %d cells, want %d", line, len(cells), len(dev.Series)+1)
			}
			dev.Rows = append(dev.Rows, cells)
		}
	}
	return d, sc.Err()
}

// SeriesOrder maps each device to its series in dump order.
func (d *Dump) SeriesOrder() map[string][]string {
	out := make(map[string][]string, len(d.Devices))
	for _, dev := range d.Devices {
		out[dev.Name] = dev.Series
	}
	return out
}

// JavaString prints a value as Java's toString does, the way the dump
// prints it: FLOAT as the shortest decimal that round-trips a float32.
func JavaString(v any) string {
	switch x := v.(type) {
	case float32:
		return model.FormatFloat(float64(x), 32)
	case float64:
		return model.FormatFloat(x, 64)
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}
