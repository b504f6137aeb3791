package config

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// property is one key=value pair of a properties file.
type property struct {
	key, value string
	line       int // 1-based line where the logical line starts
}

// parseProperties reads text in the java.util.Properties format, which
// IoTDB's configuration files use: one key=value (or key:value, or
// "key value") per logical line; lines whose first non-blank character is
// # or ! are comments; a line ending in an odd number of backslashes
// continues on the next one, whose leading blanks are dropped; backslash
// escapes \t \n \r \f \uXXXX, and \ before any other character stands for
// that character (\: \= \\ \#). Unlike Java, unescaped trailing blanks of
// a value are trimmed too, as IoTDB users expect. A later duplicate key is
// returned as well; the caller decides which wins.
func parseProperties(text string) ([]property, error) {
	var (
		props     []property
		logical   strings.Builder
		inLogical bool // a continuation is pending
		start     int  // line where the logical line began
	)
	lines := splitLines(text)
	for i, l := range lines {
		lineNo := i + 1
		l = strings.TrimLeft(l, " \t\f")
		if !inLogical {
			if l == "" || l[0] == '#' || l[0] == '!' {
				continue
			}
			start = lineNo
			logical.Reset()
		}
		if trailingBackslashes(l)%2 == 1 {
			logical.WriteString(l[:len(l)-1])
			inLogical = true
			continue
		}
		logical.WriteString(l)
		inLogical = false
		p, err := parseLogical(logical.String(), start)
		if err != nil {
			return nil, err
		}
		props = append(props, p)
	}
	if inLogical { // the file ended in a continuation
		p, err := parseLogical(logical.String(), start)
		if err != nil {
			return nil, err
		}
		props = append(props, p)
	}
	return props, nil
}

// splitLines splits at \n, \r\n and \r, the three line terminators of the
// properties format.
func splitLines(text string) []string {
	var lines []string
	for len(text) > 0 {
		i := strings.IndexAny(text, "\r\n")
		if i < 0 {
			lines = append(lines, text)
			break
		}
		lines = append(lines, text[:i])
		if text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n' {
			i++
		}
		text = text[i+1:]
	}
	return lines
}

func trailingBackslashes(s string) int {
	n := 0
	for n < len(s) && s[len(s)-1-n] == '\\' {
		n++
	}
	return n
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\f' }

// parseLogical splits one logical line (escapes still in place) into key
// and value.
func parseLogical(l string, line int) (property, error) {
	i := 0
	for i < len(l) {
		c := l[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == '=' || c == ':' || isBlank(c) {
			break
		}
		i++
	}
	if i > len(l) { // a lone backslash ended the key
		i = len(l)
	}
	rawKey := l[:i]
	for i < len(l) && isBlank(l[i]) {
		i++
	}
	if i < len(l) && (l[i] == '=' || l[i] == ':') {
		i++
	}
	for i < len(l) && isBlank(l[i]) {
		i++
	}
	key, err := unescape(rawKey, false)
	if err != nil {
		return property{}, fmt.Errorf("line %d: %w", line, err)
	}
	value, err := unescape(l[i:], true)
	if err != nil {
		return property{}, fmt.Errorf("line %d: %w", line, err)
	}
	return property{key: key, value: value, line: line}, nil
}

// unescape resolves backslash escapes. With trim, blanks after the last
// escaped character are dropped.
func unescape(s string, trim bool) (string, error) {
	if !strings.Contains(s, `\`) {
		if trim {
			s = strings.TrimRight(s, " \t\f")
		}
		return s, nil
	}
	var b strings.Builder
	keep := 0 // length of b that trimming must not cut
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(s) { // a lone trailing backslash means nothing
			break
		}
		switch c = s[i]; c {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+5 > len(s) {
				return "", fmt.Errorf(`malformed \uxxxx escape %q`, s[i-1:])
			}
			r, ok := hex4(s[i+1 : i+5])
			if !ok {
				return "", fmt.Errorf(`malformed \uxxxx escape %q`, s[i-1:i+5])
			}
			if !utf8.ValidRune(r) { // a lone surrogate half
				r = utf8.RuneError
			}
			b.WriteRune(r)
			i += 4
		default:
			b.WriteByte(c)
		}
		keep = b.Len()
	}
	out := b.String()
	if trim {
		out = out[:keep] + strings.TrimRight(out[keep:], " \t\f")
	}
	return out, nil
}

func hex4(s string) (rune, bool) {
	var r rune
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}
