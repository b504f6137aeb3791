package plugin

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sluicedb/sluice/model"
)

var errWildcard = errors.New("wildcards are not allowed: the pattern is a path prefix, not a path pattern")

// parsePattern checks a source pattern and returns its canonical text.
//
// A pattern is dotted nodes, plain or back-quoted, starting with root. All
// nodes but the last are complete and are rendered as model.Path.String
// renders them. The last node may be the beginning of a node: plain
// characters (digits alone included, as in root.aligned.1), a complete
// back-quoted node, or nothing after a final dot.
func parsePattern(s string) (string, error) {
	if s == "" {
		return "", errors.New("empty pattern: write a path prefix starting with root")
	}
	nodes, err := splitNodes(s)
	if err != nil {
		return "", err
	}
	complete, last := nodes, ""
	if n := len(nodes); n > 1 && !strings.HasPrefix(nodes[n-1], "`") {
		complete, last = nodes[:n-1], nodes[n-1]
	}
	p, err := model.ParsePath(strings.Join(complete, "."))
	if err != nil {
		return "", err
	}
	if p.HasWildcard() {
		return "", errWildcard
	}
	out := p.String()
	if len(complete) == len(nodes) {
		return out, nil
	}
	if strings.Contains(last, "*") {
		return "", errWildcard
	}
	if last != "" {
		// Any run of plain characters begins some plain node: check the
		// characters by making the node non-numeric.
		if _, err := model.ParseFullPath("root.a" + last); err != nil {
			return "", fmt.Errorf("node %q must be back-quoted", last)
		}
	}
	return out + "." + last, nil
}

// splitNodes splits s at the dots outside back-quotes, keeping each node's
// text as written. A back-quoted node must close right before a dot or the
// end; a plain node must not contain back-quotes.
func splitNodes(s string) ([]string, error) {
	var nodes []string
	i := 0
	for {
		j := i
		if j < len(s) && s[j] == '`' {
			j++
			for {
				k := strings.IndexByte(s[j:], '`')
				if k < 0 {
					return nil, fmt.Errorf("unterminated back-quote at offset %d", i)
				}
				j += k + 1
				if j < len(s) && s[j] == '`' { // `` is an escaped back-quote
					j++
					continue
				}
				break
			}
			if j < len(s) && s[j] != '.' {
				return nil, fmt.Errorf("unexpected %q after back-quoted node at offset %d", s[j], j)
			}
		} else {
			k := strings.IndexByte(s[j:], '.')
			if k < 0 {
				k = len(s) - j
			}
			j += k
			if q := strings.IndexByte(s[i:j], '`'); q >= 0 {
				return nil, fmt.Errorf("unexpected back-quote inside node %q", s[i:j])
			}
		}
		if j == len(s) {
			return append(nodes, s[i:j]), nil
		}
		if i == j {
			return nil, fmt.Errorf("empty node at offset %d", i)
		}
		nodes = append(nodes, s[i:j])
		i = j + 1 // past the dot
	}
}

// hasSeparator reports whether text written as canonical nodes holds a dot
// outside back-quotes, i.e. more than one node.
func hasSeparator(s string) bool {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '`':
			quoted = !quoted // `` toggles twice: still inside
		case '.':
			if !quoted {
				return true
			}
		}
	}
	return false
}

// ReadScope is the narrowest path pattern covering every series the source
// may select; creating or starting the pipe needs READ_DATA on it. The
// pattern is a text prefix, so its last node may go on (root.sg.d1 also
// selects root.sg.d10.s): the scope is the parent's subtree, unless the
// pattern ends with a dot (root.sg.d1. selects that subtree only).
func (s Source) ReadScope() model.Path {
	nodes, err := splitNodes(s.Pattern)
	if err != nil || len(nodes) < 2 {
		return model.Path{"root", model.MultiLevel} // "root", or not from Parse
	}
	complete := nodes[:len(nodes)-1]
	if len(complete) == 1 {
		return model.Path{"root", model.MultiLevel}
	}
	p, err := model.ParsePath(strings.Join(complete, "."))
	if err != nil {
		return model.Path{"root", model.MultiLevel}
	}
	return p.Append(model.MultiLevel)
}
