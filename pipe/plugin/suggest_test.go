package plugin

import "testing"

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"ip", "", 2}, {"", "port", 4}, {"patern", "pattern", 1}, {"kitten", "sitting", 3}, {"ab", "ba", 2}} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestNearest(t *testing.T) {
	known := []string{"ip", "port", "node-urls", "batch.enable", "batch.size-bytes"}
	for _, c := range []struct {
		key, want string
		ok        bool
	}{
		{"ip-adress", "ip", true},
		{"prot", "port", true},
		{"node-url", "node-urls", true},
		{"batch.size", "batch.size-bytes", false}, // six edits, and not leading words of the key
		{"batch.enabled", "batch.enable", true},
		{"compressor", "", false},
	} {
		got, ok := nearest(c.key, known)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("nearest(%q) = %q, %v; want %q, %v", c.key, got, ok, c.want, c.ok)
		}
	}
}
