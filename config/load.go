package config

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

// ErrUnknownKey is returned for a flag that names no known key. (Unknown
// keys in the file are only warned about, as IoTDB does.)
var ErrUnknownKey = errors.New("unknown configuration key")

// ValueError is a malformed value, with the key and the source it came
// from.
type ValueError struct {
	Key    string // the name used, possibly an alias
	Value  string
	Source string // "FILE:LINE", "env" or "flag"
	Err    error  // what is wrong with it
}

// Error names the key, the value and the source.
func (e *ValueError) Error() string {
	return fmt.Sprintf("invalid value %q for %s (from %s): %v", e.Value, e.Key, e.Source, e.Err)
}

// Unwrap returns what is wrong with the value.
func (e *ValueError) Unwrap() error { return e.Err }

// setting is one value for a key from one source.
type setting struct {
	k      *key
	name   string // as written: the key's name or an alias
	value  string
	source string
}

// Load builds the configuration from the defaults, then the properties
// file (skipped when file is ""), then env (os.Environ() form: entries
// "KEY=VALUE", only those named like a key or an alias count), then flags
// (keyed by key name or alias). It returns warnings for the caller to log:
// unknown keys in the file, with file and line, and keys set twice. Any
// malformed value makes it fail, naming key, value and source; so does a
// configuration that Validate refuses.
func Load(file string, env []string, flags map[string]string) (Config, []string, error) {
	c := Default()
	var warnings []string
	var errs []error
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return Config{}, nil, fmt.Errorf("read config: %w", err)
		}
		props, err := parseProperties(string(data))
		if err != nil {
			return Config{}, nil, fmt.Errorf("read config %s: %w", file, err)
		}
		var fromFile []setting
		for _, p := range props {
			src := fmt.Sprintf("%s:%d", file, p.line)
			k := byName[p.key]
			if k == nil {
				warnings = append(warnings, fmt.Sprintf("%s: unknown key %q ignored", src, p.key))
				continue
			}
			fromFile = append(fromFile, setting{k, p.key, p.value, src})
		}
		warnings = append(warnings, apply(&c, fromFile, &errs)...)
	}

	var fromEnv []setting
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if k := byName[name]; ok && k != nil {
			fromEnv = append(fromEnv, setting{k, name, strings.TrimSpace(value), "env"})
		}
	}
	warnings = append(warnings, apply(&c, fromEnv, &errs)...)

	var fromFlags []setting
	for _, name := range slices.Sorted(maps.Keys(flags)) {
		k := byName[name]
		if k == nil {
			errs = append(errs, fmt.Errorf("flag %s: %w", name, ErrUnknownKey))
			continue
		}
		fromFlags = append(fromFlags, setting{k, name, flags[name], "flag"})
	}
	warnings = append(warnings, apply(&c, fromFlags, &errs)...)

	if len(errs) == 0 {
		if err := c.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return Config{}, warnings, errors.Join(errs...)
	}
	return c, warnings, nil
}

// apply sets the values of one source. When a source sets a key twice, the
// last value wins, except that a key's own name beats its aliases; either
// way the loser is warned about.
func apply(c *Config, settings []setting, errs *[]error) []string {
	var warnings []string
	chosen := make(map[*key]setting)
	var order []*key
	for _, s := range settings {
		prev, seen := chosen[s.k]
		if !seen {
			order = append(order, s.k)
			chosen[s.k] = s
			continue
		}
		if prev.name == s.k.name && s.name != s.k.name {
			warnings = append(warnings, fmt.Sprintf("%s: %s ignored: %s is set at %s", s.source, s.name, prev.name, prev.source))
			continue
		}
		warnings = append(warnings, fmt.Sprintf("%s: %s ignored: set again at %s", prev.source, prev.name, s.source))
		chosen[s.k] = s
	}
	for _, k := range order {
		s := chosen[k]
		if err := k.set(c, s.value); err != nil {
			*errs = append(*errs, &ValueError{Key: s.name, Value: s.value, Source: s.source, Err: err})
		}
	}
	return warnings
}
