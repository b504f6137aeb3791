package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// jsonFormatter prints one JSON array per result, one row object per line,
// keys in column order. Numbers stay numbers and null stays null; the time
// is the same ISO-8601 string the table shows. NaN and infinities, which
// JSON cannot express, print as null.
type jsonFormatter struct {
	loc *time.Location
}

func (f *jsonFormatter) write(ctx context.Context, w io.Writer, rs rows) (int, error) {
	head := header(rs)
	keys := make([][]byte, len(head))
	for i, h := range head {
		keys[i] = appendJSONString(nil, h)
	}

	var (
		r   row
		buf = []byte("[")
		n   int
	)
	for {
		ok, err := rs.next(ctx, &r)
		if err != nil {
			return n, err
		}
		if !ok {
			break
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, "\n{"...)
		k := 0
		if rs.hasTime() {
			buf = append(buf, keys[0]...)
			buf = append(buf, ':')
			buf = appendJSONString(buf, formatTime(r.time, f.loc))
			k++
		}
		for i, v := range r.values {
			if k+i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, keys[k+i]...)
			buf = append(buf, ':')
			buf = appendJSONValue(buf, v)
		}
		buf = append(buf, '}')
		n++
		if len(buf) >= 32<<10 {
			if _, err := w.Write(buf); err != nil {
				return n, err
			}
			buf = buf[:0]
		}
	}
	if n > 0 {
		buf = append(buf, '\n')
	}
	buf = append(buf, "]\n"...)
	_, err := w.Write(buf)
	return n, err
}

// appendJSONValue appends v, one of the values rows yields, as JSON.
func appendJSONValue(buf []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(buf, "null"...)
	case string:
		return appendJSONString(buf, v)
	case bool:
		return strconv.AppendBool(buf, v)
	case int32:
		return strconv.AppendInt(buf, int64(v), 10)
	case int64:
		return strconv.AppendInt(buf, v, 10)
	case float32:
		return appendJSONFloat(buf, float64(v), 32)
	case float64:
		return appendJSONFloat(buf, v, 64)
	}
	return appendJSONString(buf, formatValue(v, ""))
}

func appendJSONFloat(buf []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(buf, "null"...)
	}
	// Shortest round-trip digits, plain unless the magnitude is extreme (the
	// same cut-offs encoding/json uses).
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(buf, f, format, -1, bits)
}

// appendJSONString appends s as a JSON string. Unlike json.Marshal it leaves
// <, > and & alone: the output is for terminals and scripts, not HTML.
func appendJSONString(buf []byte, s string) []byte {
	if plainJSON(s) {
		buf = append(buf, '"')
		buf = append(buf, s...)
		return append(buf, '"')
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(buf, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...)
}

// plainJSON reports whether s can be quoted as JSON without escapes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
