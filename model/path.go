package model

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// ErrBadPath is wrapped by every path parsing error.
var ErrBadPath = errors.New("illegal path")

// Path is a series path split into its nodes, e.g. root.sg.d1.s1 is
// ["root" "sg" "d1" "s1"]. Nodes hold their raw names: back-quotes of the
// textual form are removed, and String puts them back where needed.
// A pattern is a Path whose nodes may be the wildcards "*" (one node) and
// "**" (one or more nodes).
type Path []string

// Wildcards of path patterns.
const (
	OneLevel   = "*"
	MultiLevel = "**"
)

// ParsePath reads a dotted path with optional back-quoted nodes. It accepts
// wildcards; use ParseFullPath where they are not allowed.
func ParsePath(s string) (Path, error) {
	var nodes Path
	i := 0
	for {
		if i >= len(s) {
			return nil, fmt.Errorf("%w %q: empty node at end", ErrBadPath, s)
		}
		var node string
		if s[i] == '`' {
			var b strings.Builder
			j := i + 1
			closed := false
			for j < len(s) {
				if s[j] == '`' {
					if j+1 < len(s) && s[j+1] == '`' {
						b.WriteByte('`')
						j += 2
						continue
					}
					closed = true
					j++
					break
				}
				b.WriteByte(s[j])
				j++
			}
			if !closed {
				return nil, fmt.Errorf("%w %q: unterminated back-quote", ErrBadPath, s)
			}
			node = b.String()
			if node == "" {
				return nil, fmt.Errorf("%w %q: empty back-quoted node", ErrBadPath, s)
			}
			i = j
		} else {
			j := strings.IndexByte(s[i:], '.')
			if j < 0 {
				j = len(s) - i
			}
			node = s[i : i+j]
			if node == "" {
				return nil, fmt.Errorf("%w %q: empty node", ErrBadPath, s)
			}
			if node != OneLevel && node != MultiLevel && !plainNode(node) {
				return nil, fmt.Errorf("%w %q: node %q must be back-quoted", ErrBadPath, s, node)
			}
			i += j
		}
		nodes = append(nodes, node)
		if i == len(s) {
			break
		}
		if s[i] != '.' {
			return nil, fmt.Errorf("%w %q: expected '.' at offset %d", ErrBadPath, s, i)
		}
		i++
	}
	if nodes[0] != "root" {
		return nil, fmt.Errorf("%w %q: must start with root", ErrBadPath, s)
	}
	return nodes, nil
}

// ParseFullPath reads a path that names concrete nodes only (no wildcards).
func ParseFullPath(s string) (Path, error) {
	p, err := ParsePath(s)
	if err != nil {
		return nil, err
	}
	if p.HasWildcard() {
		return nil, fmt.Errorf("%w %q: wildcards are not allowed here", ErrBadPath, s)
	}
	return p, nil
}

// plainNode reports whether a node may be written without back-quotes:
// letters, digits, '_' and non-ASCII letters, not all digits.
func plainNode(n string) bool {
	digits := true
	for _, r := range n {
		switch {
		case r >= '0' && r <= '9':
		case r == '_' || r == ':' || r == '#' || r == '$' || r == '{' || r == '}':
			digits = false
		case r < unicode.MaxASCII && unicode.IsLetter(r):
			digits = false
		case r >= unicode.MaxASCII && unicode.IsLetter(r):
			digits = false
		default:
			return false
		}
	}
	return !digits
}

// String renders the path, back-quoting nodes that need it.
func (p Path) String() string {
	var b strings.Builder
	for i, n := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		if n == OneLevel || n == MultiLevel || plainNode(n) {
			b.WriteString(n)
			continue
		}
		b.WriteByte('`')
		b.WriteString(strings.ReplaceAll(n, "`", "``"))
		b.WriteByte('`')
	}
	return b.String()
}

// HasWildcard reports whether any node is * or **.
func (p Path) HasWildcard() bool {
	for _, n := range p {
		if n == OneLevel || n == MultiLevel {
			return true
		}
	}
	return false
}

// Parent returns the path without its last node.
func (p Path) Parent() Path { return p[:len(p)-1] }

// Last returns the last node.
func (p Path) Last() string { return p[len(p)-1] }

// Append returns a new path with nodes added at the end.
func (p Path) Append(nodes ...string) Path {
	out := make(Path, 0, len(p)+len(nodes))
	return append(append(out, p...), nodes...)
}

// HasPrefix reports whether q's nodes are the first nodes of p.
func (p Path) HasPrefix(q Path) bool {
	if len(q) > len(p) {
		return false
	}
	for i := range q {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

// Matches reports whether the concrete path p matches pattern pat.
func (p Path) Matches(pat Path) bool { return matchNodes(p, pat) }

func matchNodes(p, pat Path) bool {
	for len(pat) > 0 {
		switch pat[0] {
		case MultiLevel:
			// ** consumes one or more nodes.
			for k := 1; k <= len(p); k++ {
				if matchNodes(p[k:], pat[1:]) {
					return true
				}
			}
			return false
		case OneLevel:
			if len(p) == 0 {
				return false
			}
		default:
			if len(p) == 0 || p[0] != pat[0] {
				return false
			}
		}
		p, pat = p[1:], pat[1:]
	}
	return len(p) == 0
}

// MayMatchBelow reports whether some path that extends the concrete prefix p
// (p itself included) can match pattern pat; it prunes tree walks.
func (p Path) MayMatchBelow(pat Path) bool {
	for i, n := range p {
		if i >= len(pat) {
			return false
		}
		switch pat[i] {
		case MultiLevel:
			return true
		case OneLevel:
		default:
			if pat[i] != n {
				return false
			}
		}
	}
	return true
}
