package cli

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"blank", " \n\t ", nil},
		{"only semicolons", ";; ;\n;", nil},
		{"one without semicolon", "show databases", []string{"show databases"}},
		{"one with semicolon", "show databases;", []string{"show databases"}},
		{"several", "create database root.sg; show databases ;\nselect * from root.**",
			[]string{"create database root.sg", "show databases", "select * from root.**"}},
		{"trims", "  a ;\n\n b  ;  ", []string{"a", "b"}},
		{"keeps inner newlines", "select s1\nfrom root.sg.d1\n;", []string{"select s1\nfrom root.sg.d1"}},
		{"single quotes", "insert into root.sg.d1(time, t) values(1, 'a;b'); select 1",
			[]string{"insert into root.sg.d1(time, t) values(1, 'a;b')", "select 1"}},
		{"double quotes", `insert into root.d(time,t) values(1,"x;y");x`,
			[]string{`insert into root.d(time,t) values(1,"x;y")`, "x"}},
		{"back quotes", "create timeseries root.sg.`a;b`.s with datatype=INT32; y",
			[]string{"create timeseries root.sg.`a;b`.s with datatype=INT32", "y"}},
		{"doubled single quote", "values('it''s; ok'); z", []string{"values('it''s; ok')", "z"}},
		{"doubled back quote", "root.`a``;b`; z", []string{"root.`a``;b`", "z"}},
		{"backslash escapes quote", `values('a\';b'); z`, []string{`values('a\';b')`, "z"}},
		{"backslash escapes in double quotes", `values("a\";b"); z`, []string{`values("a\";b")`, "z"}},
		{"backslash is literal in back quotes", "root.`a\\`;b", []string{"root.`a\\`", "b"}},
		{"escaped backslash before close", `values('a\\'); z`, []string{`values('a\\')`, "z"}},
		{"other quotes inside quotes", "'a\"b`c;d'; \"e'f;\"; `g'h\";`",
			[]string{"'a\"b`c;d'", "\"e'f;\"", "`g'h\";`"}},
		{"unterminated quote swallows the rest", "select 'abc; def; ghi", []string{"select 'abc; def; ghi"}},
		{"quote across lines", "insert 'a\nb;c'\n;", []string{"insert 'a\nb;c'"}},
		{"multibyte text", "insert into root.sg.d(time, t) values(1, '温度;°C'); 查询",
			[]string{"insert into root.sg.d(time, t) values(1, '温度;°C')", "查询"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitStatements(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("splitStatements(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSplitterFeedsLines(t *testing.T) {
	var s splitter
	steps := []struct {
		line    string
		want    []string
		pending bool
	}{
		{"select s1", nil, true},
		{"from root.sg.d1;", []string{"select s1\nfrom root.sg.d1"}, false},
		{"insert into root.sg.d1(time, t) values(1, 'a;", nil, true},
		{"b'); show", []string{"insert into root.sg.d1(time, t) values(1, 'a;\nb')"}, true},
		{"databases; ", []string{"show\ndatabases"}, false},
		{"   ", nil, false},
		{"'", nil, true}, // an open quote is pending even with no other text
	}
	for i, st := range steps {
		got := s.feed(st.line + "\n")
		if !slices.Equal(got, st.want) {
			t.Fatalf("step %d: feed(%q) = %q, want %q", i, st.line, got, st.want)
		}
		if s.pending() != st.pending {
			t.Fatalf("step %d: pending() = %v, want %v", i, s.pending(), st.pending)
		}
	}
	if got := s.rest(); got != "'" {
		t.Errorf("rest() = %q, want %q", got, "'")
	}
	if s.pending() {
		t.Error("pending after rest")
	}
}

func TestIsQuit(t *testing.T) {
	for in, want := range map[string]bool{
		"quit": true, "exit": true, " QUIT ; ": true, "Exit;": true,
		"quit now": false, "exits": false, "": false, "select quit": false,
	} {
		if got := isQuit(in); got != want {
			t.Errorf("isQuit(%q) = %v, want %v", in, got, want)
		}
	}
}

// FuzzSplitStatements checks properties that hold for any input: no panic,
// statements are trimmed and non-empty, feeding byte by byte splits the
// same as feeding at once, a statement re-splits to itself, and joining the
// statements with ';' splits back into them.
func FuzzSplitStatements(f *testing.F) {
	for _, seed := range []string{
		"", ";", "a;b", "select 'x;y' from root.`a;b`;", `'a\';b'`, "'it''s';x", "\"a\\\";\" ;",
		"`a\\`;b", "insert 'a\nb;c'\n;", "温度;°C", "'unterminated; x", "a;\\", "''''';'",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		whole := splitStatements(in)
		for _, st := range whole {
			if st == "" || st != strings.TrimSpace(st) {
				t.Fatalf("statement %q is empty or untrimmed", st)
			}
			if again := splitStatements(st); !slices.Equal(again, []string{st}) {
				t.Fatalf("statement %q re-splits into %q", st, again)
			}
		}

		var s splitter
		var bytewise []string
		for i := range len(in) {
			bytewise = append(bytewise, s.feed(in[i:i+1])...)
		}
		if last := s.rest(); last != "" {
			bytewise = append(bytewise, last)
		}
		if !slices.Equal(whole, bytewise) {
			t.Fatalf("whole %q != byte by byte %q", whole, bytewise)
		}

		if joined := splitStatements(strings.Join(whole, ";")); !slices.Equal(joined, whole) {
			t.Fatalf("join and re-split: %q, want %q", joined, whole)
		}
	})
}
