package plugin

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// clause describes how one WITH clause spells its keys.
type clause struct {
	name       string            // SOURCE, PROCESSOR, SINK: for messages
	pluginKeys []string          // keys naming the plugin; the first is canonical
	prefixes   []string          // optional key prefixes, with their dot
	aliases    map[string]string // parameter alias -> canonical parameter
}

var (
	sourceClause = clause{
		name:       "SOURCE",
		pluginKeys: []string{"source", "extractor"},
		prefixes:   []string{"source.", "extractor."},
		aliases: map[string]string{
			"historical.start-time": "history.start-time",
			"historical.end-time":   "history.end-time",
		},
	}
	processorClause = clause{
		name:       "PROCESSOR",
		pluginKeys: []string{"processor"},
		prefixes:   []string{"processor."},
	}
	sinkClause = clause{
		name:       "SINK",
		pluginKeys: []string{"sink", "connector"},
		prefixes:   []string{"sink.", "connector."},
		aliases:    map[string]string{"username": "user", "host": "ip"},
	}
)

// param is one attribute after normalisation.
type param struct {
	written string // the key as written (lower-cased, trimmed), for messages
	value   string // trimmed
}

// params are a clause's attributes by canonical key: no prefix, aliases
// resolved, the plugin-name key under pluginKeys[0]. order keeps the
// canonical keys in the order written.
type params struct {
	c     clause
	byKey map[string]param
	order []string
}

// errorf makes a PipeError whose message starts with the clause name.
func (c clause) errorf(format string, args ...any) error {
	return status.Errorf(status.PipeError, "%s clause: %s", c.name, fmt.Sprintf(format, args...))
}

// normalize lower-cases and trims keys, trims values, strips prefixes and
// resolves aliases, refusing a parameter given twice.
func (c clause) normalize(attrs []ast.Attribute) (*params, error) {
	ps := &params{c: c, byKey: make(map[string]param, len(attrs))}
	for _, a := range attrs {
		written := strings.ToLower(strings.TrimSpace(a.Key))
		if written == "" {
			return nil, c.errorf("empty key (value %q)", a.Value)
		}
		key := c.canonicalKey(written)
		if prev, dup := ps.byKey[key]; dup {
			if prev.written == written {
				return nil, c.errorf("key '%s' is given twice", written)
			}
			return nil, c.errorf("key '%s' is given twice (as '%s' and '%s')", key, prev.written, written)
		}
		ps.byKey[key] = param{written: written, value: strings.TrimSpace(a.Value)}
		ps.order = append(ps.order, key)
	}
	return ps, nil
}

// canonicalKey maps a lower-cased key to its canonical form. A key that
// names nothing known is returned with its prefix stripped, so that the
// plugin's check reports it.
func (c clause) canonicalKey(k string) string {
	for _, pk := range c.pluginKeys {
		if k == pk {
			return c.pluginKeys[0]
		}
	}
	for _, p := range c.prefixes {
		if rest, ok := strings.CutPrefix(k, p); ok && rest != "" {
			for _, pk := range c.pluginKeys {
				if rest == pk {
					return k // 'sink.sink' is no parameter: keep it unknown
				}
			}
			k = rest
			break
		}
	}
	if a, ok := c.aliases[k]; ok {
		return a
	}
	return k
}

// plugin resolves the plugin-name key against list. def is the default
// when the key is absent; "" makes it mandatory.
func (ps *params) plugin(list []builtin, def string) (string, error) {
	key := ps.c.pluginKeys[0]
	p, ok := ps.byKey[key]
	if !ok {
		if def == "" {
			return "", ps.c.errorf("key '%s' is required: name one of %s", key, names(list))
		}
		return def, nil
	}
	name := strings.ToLower(p.value)
	if canon, ok := lookup(list, name); ok {
		return canon, nil
	}
	if unsupported[name] {
		return "", ps.c.errorf("'%s' = '%s': this IoTDB plugin is not supported by Sluice; use one of %s", p.written, p.value, names(list))
	}
	return "", ps.c.errorf("'%s' = '%s': unknown plugin; known: %s", p.written, p.value, names(list))
}

// checkKnown refuses keys other than the plugin key and known, naming all
// the offenders in the order written.
func (ps *params) checkKnown(plugin string, known ...string) error {
	var bad []string
	for _, k := range ps.order {
		if k != ps.c.pluginKeys[0] && !slices.Contains(known, k) {
			bad = append(bad, "'"+ps.byKey[k].written+"'"+ps.suggestion(k, known))
		}
	}
	switch {
	case len(bad) == 0:
		return nil
	case len(known) == 0:
		return ps.c.errorf("%s takes no parameters, got %s", plugin, strings.Join(bad, ", "))
	case len(bad) == 1:
		return ps.c.errorf("unknown key %s for %s (known: %s)", bad[0], plugin, strings.Join(known, ", "))
	default:
		return ps.c.errorf("unknown keys %s for %s (known: %s)", strings.Join(bad, ", "), plugin, strings.Join(known, ", "))
	}
}

// get returns the value of a canonical key and whether it was given.
func (ps *params) get(key string) (param, bool) {
	p, ok := ps.byKey[key]
	return p, ok
}

// boolean reads a true/false parameter.
func (ps *params) boolean(key string, def bool) (bool, error) {
	p, ok := ps.byKey[key]
	if !ok {
		return def, nil
	}
	switch strings.ToLower(p.value) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, ps.c.errorf("'%s' = '%s': must be true or false", p.written, p.value)
}

// integer checks a decimal integer parameter no smaller than min.
func (ps *params) integer(key string, min int64) error {
	_, err := ps.int64(key, min, 0)
	return err
}

// int64 reads a decimal integer parameter no smaller than min; def when
// absent.
func (ps *params) int64(key string, min, def int64) (int64, error) {
	p, ok := ps.byKey[key]
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(p.value, 10, 64)
	if err != nil {
		return 0, ps.c.errorf("'%s' = '%s': must be an integer", p.written, p.value)
	}
	if n < min {
		return 0, ps.c.errorf("'%s' = '%s': must be at least %d", p.written, p.value, min)
	}
	return n, nil
}

// oneOf checks that a parameter, when given, is one of values (case
// ignored).
func (ps *params) oneOf(key string, values ...string) error {
	p, ok := ps.byKey[key]
	if !ok || slices.Contains(values, strings.ToLower(p.value)) {
		return nil
	}
	return ps.c.errorf("'%s' = '%s': must be one of %s", p.written, p.value, strings.Join(values, ", "))
}
