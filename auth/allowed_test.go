package auth

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

func TestAllowed(t *testing.T) {
	s := newState(t)
	if err := s.Grant("alice", []Privilege{ReadData}, mustPaths(t, "root.sg.**", "root.db.*.s1"), false); err != nil {
		t.Fatal(err)
	}
	if err := s.Grant("alice", []Privilege{WriteData}, mustPaths(t, "root.sg.d1.s1"), false); err != nil {
		t.Fatal(err)
	}
	if err := s.Grant("alice", []Privilege{UsePipe}, mustPaths(t, "root.**"), false); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		user string
		priv Privilege
		path string
		want bool
	}{
		{"alice", ReadData, "root.sg.d1.s1", true},
		{"alice", ReadData, "root.sg.d1", true},
		{"alice", ReadData, "root.sg", false}, // ** needs at least one node
		{"alice", ReadData, "root.sg2.d1.s1", false},
		{"alice", ReadData, "root.db.d9.s1", true},
		{"alice", ReadData, "root.db.d9.s2", false},
		{"alice", ReadData, "root.db.d9.x.s1", false},
		{"alice", WriteData, "root.sg.d1.s1", true},
		{"alice", WriteData, "root.sg.d1.s2", false},
		{"alice", ReadSchema, "root.sg.d1.s1", false},
		{"alice", UsePipe, "root.anything", true}, // global: path ignored
		{"alice", Maintain, "root.**", false},
		{"alice", All, "root.sg.d1.s1", false},
		{"alice", "FLY", "root.sg.d1.s1", false},
		{"root", WriteSchema, "root.x.y", true},
		{"root", All, "root.**", true},
		{"nobody", ReadData, "root.sg.d1.s1", false},
		// Patterns.
		{"alice", ReadData, "root.sg.**", true},
		{"alice", ReadData, "root.sg.*", true},
		{"alice", ReadData, "root.sg.*.s1", true},
		{"alice", ReadData, "root.sg.d1.**", true},
		{"alice", ReadData, "root.**", false},
		{"alice", ReadData, "root.*.d1.s1", false},
		{"alice", ReadData, "root.db.*.s1", true},
		{"alice", ReadData, "root.db.**", false},
		{"alice", ReadData, "root.db.**.s1", false},
		{"alice", WriteData, "root.sg.d1.*", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s %s", tt.user, tt.priv, tt.path), func(t *testing.T) {
			p := mustPath(t, tt.path)
			f := s.Allowed
			if p.HasWildcard() {
				f = s.AllowedPattern
			}
			if got := f(tt.user, tt.priv, p); got != tt.want {
				t.Errorf("= %v, want %v", got, tt.want)
			}
			err := s.Check(tt.user, tt.priv, p)
			if tt.want {
				if err != nil {
					t.Errorf("Check: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrNoPermission) || status.CodeOf(err) != status.NoPermission {
				t.Errorf("Check = %v, want ErrNoPermission", err)
			}
			if !strings.Contains(err.Error(), string(tt.priv)) {
				t.Errorf("Check message %q does not name %s", err, tt.priv)
			}
		})
	}
}

func TestCovered(t *testing.T) {
	tests := []struct {
		q    string
		pats []string
		want bool
	}{
		{"root.a.b", []string{"root.a.b"}, true},
		{"root.a.b", []string{"root.a.*"}, true},
		{"root.a.b", []string{"root.**"}, true},
		{"root.a.b", nil, false},
		{"root.a.*", []string{"root.a.b"}, false},
		{"root.a.*", []string{"root.a.*"}, true},
		{"root.a.*", []string{"root.*.*"}, true},
		{"root.a.*", []string{"root.a.**"}, true},
		{"root.a.**", []string{"root.a.*"}, false},
		{"root.a.**", []string{"root.a.**"}, true},
		{"root.a.**", []string{"root.**"}, true},
		{"root.**", []string{"root.a.**"}, false},
		{"root.*.**", []string{"root.**"}, true},
		{"root.**", []string{"root.*.**"}, false},
		{"root.**", []string{"root.*", "root.*.**"}, true},       // union
		{"root.a.**", []string{"root.a.*", "root.a.*.**"}, true}, // union
		{"root.a.**", []string{"root.a.*", "root.a.*.*"}, false},
		{"root.**.s", []string{"root.**"}, true},
		{"root.**.s", []string{"root.**.s"}, true},
		{"root.**.s", []string{"root.*.s"}, false},
		{"root.*.s", []string{"root.**.s"}, true},
		{"root.**.s", []string{"root.**.*"}, true},
		{"root.**.s.**", []string{"root.**.s.**"}, true},
		{"root.a.**.b.**", []string{"root.a.**"}, true},
		{"root.**.b.**", []string{"root.a.**"}, false},
		{"root.**.**", []string{"root.*.**"}, true},
		{"root.*.*", []string{"root.**"}, true},
		{"root.*.*", []string{"root.a.*", "root.b.*"}, false},
		{"root.*", []string{"root.*.*"}, false},
		{"root.**.s", []string{"root.x.**", "root.**.t"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.q+" in "+strings.Join(tt.pats, ","), func(t *testing.T) {
			var pats []model.Path
			for _, p := range tt.pats {
				pats = append(pats, mustPath(t, p))
			}
			if got := covered(mustPath(t, tt.q), pats); got != tt.want {
				t.Errorf("covered = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestConcurrentUse runs checks against grants for the race detector.
func TestConcurrentUse(t *testing.T) {
	s := newState(t)
	path := mustPath(t, "root.sg.d1.s1")
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				if i == 0 {
					_ = s.Grant("alice", []Privilege{ReadData}, mustPaths(t, fmt.Sprintf("root.sg%d.**", j)), false)
					continue
				}
				s.Allowed("alice", ReadData, path)
				_, _ = s.Privileges("alice")
				_, _ = s.MarshalJSON()
				_ = s.Clone()
			}
		}()
	}
	wg.Wait()
}

// TestCoveredBruteForce checks covered against enumeration of every
// concrete path up to a length, on random small patterns.
func TestCoveredBruteForce(t *testing.T) {
	nodes := []string{"a", "b", model.OneLevel, model.MultiLevel}
	rng := rand.New(rand.NewPCG(1, 2))
	randPattern := func() model.Path {
		p := model.Path{"root"}
		for range 1 + rng.IntN(4) {
			p = append(p, nodes[rng.IntN(len(nodes))])
		}
		return p
	}
	// Concrete paths over a, b and c (c stands for any other name).
	var concrete []model.Path
	var grow func(p model.Path)
	grow = func(p model.Path) {
		if len(p) > 1 {
			concrete = append(concrete, p)
		}
		if len(p) == 9 {
			return
		}
		for _, n := range []string{"a", "b", "c"} {
			grow(p.Append(n))
		}
	}
	grow(model.Path{"root"})

	for range 2000 {
		q := randPattern()
		pats := make([]model.Path, 1+rng.IntN(3))
		for i := range pats {
			pats[i] = randPattern()
		}
		want := true
		for _, c := range concrete {
			if !c.Matches(q) {
				continue
			}
			hit := false
			for _, p := range pats {
				hit = hit || c.Matches(p)
			}
			if !hit {
				want = false
				break
			}
		}
		if got := covered(q, pats); got != want {
			t.Fatalf("covered(%s, %v) = %v, enumeration says %v", q, pats, got, want)
		}
	}
}
