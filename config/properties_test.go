package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseProperties(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []property // nil: none
	}{
		{"empty", "", nil},
		{"blank lines", "\n  \n\t\n", nil},
		{"hash comment", "# a=b\n", nil},
		{"bang comment", "  ! a=b\n", nil},
		{"comment does not continue", "# a=b \\\nc=d", []property{{"c", "d", 2}}},
		{"equals", "a=b", []property{{"a", "b", 1}}},
		{"colon", "a:b", []property{{"a", "b", 1}}},
		{"blank separator", "a   b", []property{{"a", "b", 1}}},
		{"spaces around", "  a  =  b c  \t", []property{{"a", "b c", 1}}},
		{"empty value", "a=\nb", []property{{"a", "", 1}, {"b", "", 2}}},
		{"second separator is value", "a==b", []property{{"a", "=b", 1}}},
		{"crlf and cr", "a=1\r\nb=2\rc=3", []property{{"a", "1", 1}, {"b", "2", 2}, {"c", "3", 3}}},
		{"continuation", "a=one, \\\n    two\nb=3", []property{{"a", "one, two", 1}, {"b", "3", 3}}},
		{"continuation into comment-like line", "a=x\\\n#y", []property{{"a", "x#y", 1}}},
		{"continuation at eof", "a=x\\", []property{{"a", "x", 1}}},
		{"continuation then blank", "a=x\\\n\nb=y", []property{{"a", "x", 1}, {"b", "y", 3}}},
		{"even backslashes do not continue", "a=x\\\\\nb=y", []property{{"a", `x\`, 1}, {"b", "y", 2}}},
		{"escaped colon and equals in key", `a\:b\=c=d`, []property{{"a:b=c", "d", 1}}},
		{"escaped space in key", `a\ b=c`, []property{{"a b", "c", 1}}},
		{"escaped backslash", `dir=C:\\data\\x`, []property{{"dir", `C:\data\x`, 1}}},
		{"windows path unescaped", `dir=C:\data`, []property{{"dir", "C:data", 1}}},
		{"control escapes", `a=\t\n\r\f`, []property{{"a", "\t\n\r\f", 1}}},
		{"unicode escape", `a=\u00e9\u4E2D`, []property{{"a", "é中", 1}}},
		{"escaped trailing space kept", `a=b\ `, []property{{"a", "b ", 1}}},
		{"escaped leading space kept", `a=\ b`, []property{{"a", " b", 1}}},
		{"hash inside value", "a=b#c", []property{{"a", "b#c", 1}}},
		{"duplicate kept", "a=1\na=2", []property{{"a", "1", 1}, {"a", "2", 2}}},
		{"empty key", "=v", []property{{"", "v", 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProperties(tt.in)
			if err != nil {
				t.Fatalf("parseProperties(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseProperties(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParsePropertiesErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`a=\u12`, `line 1: malformed \uxxxx escape "\\u12"`},
		{"x=1\na=\\u12zz", `line 2: malformed \uxxxx escape "\\u12zz"`},
		{`\uqqqq=1`, `line 1: malformed \uxxxx escape`},
	}
	for _, tt := range tests {
		_, err := parseProperties(tt.in)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("parseProperties(%q) = %v, want error starting %q", tt.in, err, tt.want)
		}
	}
}

// formatProperties writes props so that parseProperties reads them back.
func formatProperties(props []property) string {
	var b strings.Builder
	for _, p := range props {
		b.WriteString(escape(p.key, true))
		b.WriteByte('=')
		b.WriteString(escape(p.value, false))
		b.WriteByte('\n')
	}
	return b.String()
}

func escape(s string, isKey bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\f':
			b.WriteString(`\f`)
		case '=', ':', '#', '!':
			if isKey {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		case ' ':
			// Keys end at a blank; values lose unescaped blanks at
			// either end. Escaping every blank is simplest.
			b.WriteString(`\ `)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func FuzzParseProperties(f *testing.F) {
	for _, seed := range []string{
		"a=b\n# c\n! d\n\ne : f\\\n   g\n",
		`a\:b\=c=\\d\u0041\ `,
		"k v\r\nx=\\u00e9\rlast\\",
		`bad=\u12`,
		"=\n:\n \\\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		props, err := parseProperties(text)
		if err != nil {
			return
		}
		for _, p := range props {
			if p.line < 1 || p.line > strings.Count(text, "\n")+strings.Count(text, "\r")+1 {
				t.Fatalf("property %q: line %d out of range", p.key, p.line)
			}
		}
		again, err := parseProperties(formatProperties(props))
		if err != nil {
			t.Fatalf("reparse: %v", err)
		}
		if len(again) != len(props) {
			t.Fatalf("reparse: %d properties, want %d", len(again), len(props))
		}
		for i := range props {
			if again[i].key != props[i].key || again[i].value != props[i].value {
				t.Fatalf("reparse: %q=%q, want %q=%q", again[i].key, again[i].value, props[i].key, props[i].value)
			}
		}
	})
}
