package plugin

import (
	"testing"
	"time"

	"github.com/sluicedb/sluice/sql/ast"
)

func TestParsePattern(t *testing.T) {
	cases := []struct{ in, want string }{
		{"root", "root"},
		{"root.sg", "root.sg"},
		{"root.aligned.1", "root.aligned.1"},
		{"root.`a@b`", "root.`a@b`"},
		{"root.`123`", "root.`123`"},
		{"root.`sg`.d", "root.sg.d"},       // needless quotes dropped
		{"root.`sg`", "root.sg"},           // also on a last, complete node
		{"root.`a``b`.c", "root.`a``b`.c"}, // escaped back-quote
		{"root.`a.b`.c", "root.`a.b`.c"},   // dot inside quotes
		{"root.sg.", "root.sg."},           // strictly below root.sg
		{"root.`1`.2", "root.`1`.2"},
		{"root.中文", "root.中文"},
	}
	for _, c := range cases {
		got, err := parsePattern(c.in)
		if err != nil || got != c.want {
			t.Errorf("parsePattern(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "ro", "rootx", ".root", "root.", "root.a-b", "root.`a", "root.a`", "root.`a`x", "root.**", "root.*", "root.a.*", "root.a..b", "root. a"} {
		got, err := parsePattern(in)
		if in == "root." {
			if err != nil {
				t.Errorf("parsePattern(%q): %v", in, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("parsePattern(%q) = %q, want an error", in, got)
		}
	}
}

func TestSourceMatching(t *testing.T) {
	type probe struct {
		path                       string
		series, device, below, all bool
	}
	cases := []struct {
		pattern string
		probes  []probe
	}{
		{"root", []probe{
			{"root.sg.d.s", true, true, true, true},
			{"root.`1`", true, true, true, true},
		}},
		{"root.sg", []probe{
			{"root.sg.d.s", true, true, true, true},
			{"root.sg2.d.s", true, true, true, true}, // string prefix
			{"root.sg", true, true, true, true},
			{"root.s", false, false, false, false},
			{"root", false, true, true, false}, // series root.sg2 of device root
			{"root.other.d", false, false, false, false},
		}},
		{"root.sg.", []probe{
			{"root.sg.d.s", true, true, true, true},
			{"root.sg2.d.s", false, false, false, false},
			{"root.sg", false, true, true, true},
		}},
		{"root.sg.d1.s", []probe{
			{"root.sg.d1.s", true, true, true, true},
			{"root.sg.d1.s2", true, true, true, true},
			{"root.sg.d1", false, true, true, false}, // measurements s, s2... of d1
			{"root.sg", false, false, true, false},   // devices of root.sg have one more node
			{"root.sg.d10", false, false, false, false},
			{"root.sg.d1.t", false, false, false, false},
		}},
		{"root.`a.b`.c", []probe{
			{"root.`a.b`.c", true, true, true, true},
			{"root.`a.b`", false, true, true, false},
			{"root.a.b.c", false, false, false, false},
			{"root.a", false, false, false, false},
		}},
		{"root.aligned.`1`", []probe{
			{"root.aligned.`1`.s", true, true, true, true},
			{"root.aligned.`12`.s", false, false, false, false},
			{"root.aligned.`1`", true, true, true, true},
			{"root.aligned", false, true, true, false},
		}},
	}
	for _, c := range cases {
		s, err := Parse(attrs("pattern", c.pattern), nil, minimalSink, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.pattern, err)
		}
		src := s.Source
		for _, p := range c.probes {
			pp := path(t, p.path)
			if got := src.Matches(pp); got != p.series {
				t.Errorf("pattern %s: Matches(%s) = %v", c.pattern, p.path, got)
			}
			if got := src.MayMatchDevice(pp); got != p.device {
				t.Errorf("pattern %s: MayMatchDevice(%s) = %v", c.pattern, p.path, got)
			}
			if got := src.MayMatchBelow(pp); got != p.below {
				t.Errorf("pattern %s: MayMatchBelow(%s) = %v", c.pattern, p.path, got)
			}
			if got := src.Covers(pp); got != p.all {
				t.Errorf("pattern %s: Covers(%s) = %v", c.pattern, p.path, got)
			}
		}
	}
}

func TestReadScope(t *testing.T) {
	for pattern, want := range map[string]string{
		"root":             "root.**",
		"root.sg":          "root.**",
		"root.sg.":         "root.sg.**",
		"root.sg.d1":       "root.sg.**",
		"root.sg.d1.":      "root.sg.d1.**",
		"root.sg.d1.s":     "root.sg.d1.**",
		"root.`a.b`.d":     "root.`a.b`.**",
		"root.sg.`d.1`":    "root.sg.**",
		"root.sg.aligned.": "root.sg.aligned.**",
	} {
		src, err := parseSource([]ast.Attribute{{Key: "source.pattern", Value: pattern}}, time.UTC)
		if err != nil {
			t.Fatalf("pattern %q: %v", pattern, err)
		}
		if got := src.ReadScope().String(); got != want {
			t.Errorf("ReadScope of %q = %s, want %s", pattern, got, want)
		}
	}
	if got := (Source{Pattern: "root"}).ReadScope().String(); got != "root.**" {
		t.Errorf("default pattern's scope %s", got)
	}
}
