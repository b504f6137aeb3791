package region

import (
	"maps"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// MaxTagBytes bounds the keys and values of one series' tags and
// attributes together, as IoTDB's tag_attribute_total_size (700) does: they
// live in the device's metadata record and travel with every schema read.
const MaxTagBytes = 700

// aliasOwner returns the device's series whose alias is name, if any.
func (d *device) aliasOwner(name string) *Entry {
	if m, ok := d.aliases[name]; ok {
		return d.series[m]
	}
	return nil
}

// setAlias records that measurement's alias changed from old to new (either
// may be empty).
func (d *device) setAlias(measurement, old, new string) {
	if old != "" {
		delete(d.aliases, old)
	}
	if new != "" {
		if d.aliases == nil {
			d.aliases = map[string]string{}
		}
		d.aliases[new] = measurement
	}
}

// matchAlias returns the entries whose alias is pattern's last node, when
// that is a name, in the devices matching the rest of pattern.
func (s *schema) matchAlias(pattern model.Path) []Entry {
	if len(pattern) < 3 {
		return nil
	}
	alias := pattern.Last()
	if alias == model.OneLevel || alias == model.MultiLevel {
		return nil
	}
	devPattern := pattern.Parent()
	if !devPattern.HasWildcard() {
		if d := s.devices[devPattern.String()]; d != nil && d.aliasOwner(alias) != nil {
			return []Entry{*d.aliasOwner(alias)}
		}
		return nil
	}
	var out []Entry
	for _, d := range s.devices {
		if len(d.aliases) == 0 || !d.path.Matches(devPattern) {
			continue
		}
		if e := d.aliasOwner(alias); e != nil {
			out = append(out, *e)
		}
	}
	return out
}

// aliasExists is IoTDB's error for an alias that is already the name or
// alias of a series of the same device.
func aliasExists(alias string, path model.Path) error {
	return status.Errorf(status.AliasAlreadyExist, "Alias [%s] for Path [%s] already exist", alias, path)
}

func checkTagSize(s *model.Series) error {
	n := 0
	for _, m := range []map[string]string{s.Tags, s.Attributes} {
		for k, v := range m {
			n += len(k) + len(v)
		}
	}
	if n > MaxTagBytes {
		return status.Errorf(status.MetadataError, "the tags and attributes of %s take %d bytes, more than the %d allowed", s.Path, n, MaxTagBytes)
	}
	return nil
}

// applyAlter changes the tags, attributes or alias of one series. A refused
// alteration changes nothing; one the device's metadata already holds
// (replayed after a restart) is skipped.
func (f *FSM) applyAlter(index uint64, a *ast.AlterTimeseries) any {
	if len(a.Path) < 2 {
		return status.Errorf(status.PathNotExist, "Path [%s] does not exist", a.Path)
	}
	dev := f.schema.devices[a.Path.Parent().String()]
	var e *Entry
	if dev != nil {
		e = dev.series[a.Path.Last()]
	}
	if dev != nil && index <= dev.altered {
		return nil
	}
	if e == nil {
		return status.Errorf(status.PathNotExist, "Path [%s] does not exist", a.Path)
	}
	next, err := alterSeries(e.Series, a)
	if err != nil {
		return err
	}
	if next.Alias != e.Alias && next.Alias != "" {
		if next.Alias == e.Measurement() || dev.series[next.Alias] != nil || dev.aliasOwner(next.Alias) != nil {
			return aliasExists(next.Alias, e.Path)
		}
	}
	if err := checkTagSize(&next); err != nil {
		return err
	}
	dev.setAlias(e.Measurement(), e.Alias, next.Alias)
	e.Series = next
	dev.altered = index
	f.mustStore("persist schema", func() error { return f.persistDevice(dev) })
	return nil
}

// alterSeries returns s with the alteration a applied, or IoTDB's error for
// it. It checks everything but the alias's uniqueness in the device.
func alterSeries(s model.Series, a *ast.AlterTimeseries) (model.Series, error) {
	tags, attrs := maps.Clone(s.Tags), maps.Clone(s.Attributes)
	if tags == nil {
		tags = map[string]string{}
	}
	if attrs == nil {
		attrs = map[string]string{}
	}
	switch a.Kind {
	case ast.AlterRename:
		if len(a.Keys) != 2 {
			return s, status.Errorf(status.IllegalParameter, "RENAME takes a key and its new name")
		}
		from, to := a.Keys[0], a.Keys[1]
		if holder(tags, attrs, to) != nil {
			return s, status.Errorf(status.MetadataError, "TimeSeries [%s] already has a tag/attribute named [%s].", s.Path, to)
		}
		m := holder(tags, attrs, from)
		if m == nil {
			return s, missingKey(s.Path, from)
		}
		m[to] = m[from]
		delete(m, from)
	case ast.AlterSet:
		for k := range a.Pairs {
			if holder(tags, attrs, k) == nil {
				return s, missingKey(s.Path, k)
			}
		}
		for k, v := range a.Pairs {
			holder(tags, attrs, k)[k] = v
		}
	case ast.AlterDrop:
		// As IoTDB: a key the series does not have is ignored.
		for _, k := range a.Keys {
			delete(tags, k)
			delete(attrs, k)
		}
	case ast.AlterAddTags:
		if err := upsertInto(tags, attrs, a.Pairs, s.Path); err != nil {
			return s, err
		}
	case ast.AlterAddAttributes:
		if err := upsertInto(attrs, tags, a.Pairs, s.Path); err != nil {
			return s, err
		}
	case ast.AlterUpsert:
		if err := upsertInto(tags, attrs, a.Tags, s.Path); err != nil {
			return s, err
		}
		if err := upsertInto(attrs, tags, a.Attributes, s.Path); err != nil {
			return s, err
		}
		if a.Alias != "" {
			s.Alias = a.Alias
		}
	default:
		return s, status.Errorf(status.IllegalParameter, "unknown ALTER TIMESERIES operation %d", a.Kind)
	}
	s.Tags, s.Attributes = nilIfEmpty(tags), nilIfEmpty(attrs)
	return s, nil
}

// holder returns the map of tags or attributes that has key k, or nil.
func holder(tags, attrs map[string]string, k string) map[string]string {
	if _, ok := tags[k]; ok {
		return tags
	}
	if _, ok := attrs[k]; ok {
		return attrs
	}
	return nil
}

// upsertInto sets pairs in dst, refusing a key that other (the series'
// attributes when dst is its tags, or the reverse) already has.
func upsertInto(dst, other, pairs map[string]string, path model.Path) error {
	for k := range pairs {
		if _, ok := other[k]; ok {
			return status.Errorf(status.MetadataError, "Tag and attribute shouldn't have the same property key [%s] (series %s)", k, path)
		}
	}
	maps.Copy(dst, pairs)
	return nil
}

func missingKey(path model.Path, k string) error {
	return status.Errorf(status.MetadataError, "TimeSeries [%s] does not have tag/attribute [%s].", path, k)
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}
