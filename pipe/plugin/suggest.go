package plugin

import "strings"

// nearest returns the key of known closest to key by edit distance among
// those close enough to be what the user meant: no more than a third of
// the key's length apart (two edits at least), or the key's leading words
// ('ip' for 'ip-adress'). ok is false when none is.
func nearest(key string, known []string) (best string, ok bool) {
	bestD := -1
	for _, k := range known {
		d := editDistance(key, k)
		if d > max(2, len(key)/3) && !leadingWords(k, key) {
			continue
		}
		if bestD < 0 || d < bestD {
			best, bestD = k, d
		}
	}
	return best, bestD >= 0
}

// leadingWords reports whether k is key's first words: key starts with k
// followed by a '-' or '.'.
func leadingWords(k, key string) bool {
	rest, ok := strings.CutPrefix(key, k)
	return ok && rest != "" && (rest[0] == '-' || rest[0] == '.')
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// suggestion is the " (did you mean '...'?)" part of an unknown key's
// message, spelt with the prefix the user wrote, or "" when no known key
// is near.
func (ps *params) suggestion(canonical string, known []string) string {
	k, ok := nearest(canonical, known)
	if !ok {
		return ""
	}
	written := ps.byKey[canonical].written
	for _, p := range ps.c.prefixes {
		if strings.HasPrefix(written, p) {
			k = p + k
			break
		}
	}
	return " (did you mean '" + k + "'?)"
}
