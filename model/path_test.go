package model

import (
	"errors"
	"reflect"
	"testing"
)

func TestParsePath(t *testing.T) {
	tests := []struct {
		in      string
		want    Path
		wantErr bool
	}{
		{in: "root.sg.d1.s1", want: Path{"root", "sg", "d1", "s1"}},
		{in: "root.sg.`a.b`.s", want: Path{"root", "sg", "a.b", "s"}},
		{in: "root.sg.`12`", want: Path{"root", "sg", "12"}},
		{in: "root.sg.`a``b`", want: Path{"root", "sg", "a`b"}},
		{in: "root.**", want: Path{"root", "**"}},
		{in: "root.*.d.*", want: Path{"root", "*", "d", "*"}},
		{in: "root.aligned.1TS", want: Path{"root", "aligned", "1TS"}},
		{in: "root.sg.12", wantErr: true},
		{in: "root..s", wantErr: true},
		{in: "root.s.", wantErr: true},
		{in: "sg.d", wantErr: true},
		{in: "root.`open", wantErr: true},
		{in: "root.a@b", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePath(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrBadPath) {
					t.Fatalf("ParsePath(%q) = %v, %v; want ErrBadPath", tt.in, got, err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParsePath(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			if back, err := ParsePath(got.String()); err != nil || !reflect.DeepEqual(back, got) {
				t.Fatalf("round trip of %q via %q = %v, %v", tt.in, got.String(), back, err)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	tests := []struct {
		path, pattern string
		want          bool
	}{
		{"root.sg.d1.s1", "root.sg.d1.s1", true},
		{"root.sg.d1.s1", "root.sg.*.s1", true},
		{"root.sg.d1.s1", "root.**", true},
		{"root.sg.d1.s1", "root.sg.**.s1", true},
		{"root.sg.d1.s1", "root.sg.d1.**.s1", false},
		{"root.sg.d1.s1", "root.sg.*", false},
		{"root.sg.d1.s1", "root.*.*.*.*", false},
		{"root.sg.d1.s1", "root.sg.d1", false},
	}
	for _, tt := range tests {
		p, _ := ParsePath(tt.path)
		pat, _ := ParsePath(tt.pattern)
		if got := p.Matches(pat); got != tt.want {
			t.Errorf("%s matches %s = %v, want %v", tt.path, tt.pattern, got, tt.want)
		}
	}
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"root.a.b", "root.`x.y`.z", "root.**", "root.``", "root.`a``"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err != nil {
			return
		}
		back, err := ParsePath(p.String())
		if err != nil || !reflect.DeepEqual(back, p) {
			t.Fatalf("round trip of %q: %q -> %v, %v", s, p.String(), back, err)
		}
	})
}
