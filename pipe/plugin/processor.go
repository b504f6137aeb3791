package plugin

import (
	"fmt"
	"math"
	"strconv"

	"github.com/sluicedb/sluice/sql/ast"
)

// Processor is the validated PROCESSOR clause of a pipe, with IoTDB's
// defaults filled in. Only the fields of its Plugin are meaningful.
type Processor struct {
	// Plugin is the canonical processor: ProcessorDoNothing (the default),
	// ProcessorTumblingTime, ProcessorSDT or ProcessorChangingValue.
	Plugin string
	// IntervalMillis is tumbling-time.interval-seconds in milliseconds,
	// Sluice's timestamp precision (60 s by default); it saturates at
	// math.MaxInt64.
	IntervalMillis int64
	// Deviation, MinInterval and MaxInterval are the sdt.* or the
	// changing-value.* compression-deviation (0 by default),
	// min-time-interval (0) and max-time-interval (math.MaxInt64); the
	// intervals are in milliseconds, like the timestamps they compare.
	Deviation                float64
	MinInterval, MaxInterval int64
	// MemoryLimitBytes is down-sampling.memory-limit-in-bytes (16 MiB by
	// default): roughly how much per-series state a task keeps before it
	// forgets some series, whose sampling then starts afresh.
	MemoryLimitBytes int64
	// SplitFile is down-sampling.split-file. IoTDB samples historical
	// TsFiles only when it is true; Sluice always samples both phases, so
	// it is checked and kept for SHOW, nothing more.
	SplitFile bool
}

// Sampling reports whether the processor drops points, that is, whether it
// is anything but do-nothing-processor.
func (p Processor) Sampling() bool { return p.Plugin != "" && p.Plugin != ProcessorDoNothing }

// IoTDB's processor parameter keys, canonical (no 'processor.' prefix),
// and their defaults (PipeProcessorConstant in IoTDB 1.3).
const (
	ProcKeyTumblingInterval = "tumbling-time.interval-seconds"
	ProcKeySDTDeviation     = "sdt.compression-deviation"
	ProcKeySDTMinInterval   = "sdt.min-time-interval"
	ProcKeySDTMaxInterval   = "sdt.max-time-interval"
	ProcKeyCVDeviation      = "changing-value.compression-deviation"
	ProcKeyCVMinInterval    = "changing-value.min-time-interval"
	ProcKeyCVMaxInterval    = "changing-value.max-time-interval"
	ProcKeySplitFile        = "down-sampling.split-file"
	ProcKeyMemoryLimit      = "down-sampling.memory-limit-in-bytes"

	DefaultTumblingIntervalSeconds = 60
	DefaultMemoryLimitBytes        = 16 << 20
)

// samplingKeys are the parameters each sampling processor knows.
var samplingKeys = map[string][]string{
	ProcessorTumblingTime:  {ProcKeyTumblingInterval, ProcKeySplitFile, ProcKeyMemoryLimit},
	ProcessorSDT:           {ProcKeySDTDeviation, ProcKeySDTMinInterval, ProcKeySDTMaxInterval, ProcKeySplitFile, ProcKeyMemoryLimit},
	ProcessorChangingValue: {ProcKeyCVDeviation, ProcKeyCVMinInterval, ProcKeyCVMaxInterval, ProcKeySplitFile, ProcKeyMemoryLimit},
}

func parseProcessor(attrs []ast.Attribute) (Processor, error) {
	ps, err := processorClause.normalize(attrs)
	if err != nil {
		return Processor{}, err
	}
	name, err := ps.plugin(processors, ProcessorDoNothing)
	if err != nil {
		return Processor{}, err
	}
	p := Processor{Plugin: name}
	if err := ps.checkKnown(name, samplingKeys[name]...); err != nil {
		return Processor{}, err
	}
	if name == ProcessorDoNothing {
		return p, nil
	}
	if p.SplitFile, err = ps.boolean(ProcKeySplitFile, false); err != nil {
		return Processor{}, err
	}
	if p.MemoryLimitBytes, err = ps.int64(ProcKeyMemoryLimit, 1, DefaultMemoryLimitBytes); err != nil {
		return Processor{}, err
	}
	switch name {
	case ProcessorTumblingTime:
		secs, err := ps.int64(ProcKeyTumblingInterval, 1, DefaultTumblingIntervalSeconds)
		if err != nil {
			return Processor{}, err
		}
		p.IntervalMillis = math.MaxInt64
		if secs <= math.MaxInt64/1000 {
			p.IntervalMillis = secs * 1000
		}
	case ProcessorSDT:
		err = ps.compression(&p, ProcKeySDTDeviation, ProcKeySDTMinInterval, ProcKeySDTMaxInterval)
	case ProcessorChangingValue:
		err = ps.compression(&p, ProcKeyCVDeviation, ProcKeyCVMinInterval, ProcKeyCVMaxInterval)
	default:
		panic("BUG: processor " + name + " has no parameter parser")
	}
	if err != nil {
		return Processor{}, err
	}
	return p, nil
}

// compression reads a compression deviation and a min/max time interval,
// as IoTDB checks them: all at least 0, min no greater than max.
func (ps *params) compression(p *Processor, devKey, minKey, maxKey string) error {
	var err error
	if p.Deviation, err = ps.nonNegativeFloat(devKey, 0); err != nil {
		return err
	}
	if p.MinInterval, err = ps.int64(minKey, 0, 0); err != nil {
		return err
	}
	if p.MaxInterval, err = ps.int64(maxKey, 0, math.MaxInt64); err != nil {
		return err
	}
	if p.MinInterval > p.MaxInterval {
		return ps.c.errorf("%s (%d) is greater than %s (%d)",
			ps.describe(minKey), p.MinInterval, ps.describe(maxKey), p.MaxInterval)
	}
	return nil
}

// nonNegativeFloat reads a decimal number no smaller than 0; def when
// absent. NaN is refused; so is anything strconv reads that Java's
// Double.parseDouble would not (hexadecimal, underscores).
func (ps *params) nonNegativeFloat(key string, def float64) (float64, error) {
	p, ok := ps.byKey[key]
	if !ok {
		return def, nil
	}
	f, err := strconv.ParseFloat(p.value, 64)
	if err != nil || math.IsNaN(f) || hexOrUnderscore(p.value) {
		return 0, ps.c.errorf("'%s' = '%s': must be a number", p.written, p.value)
	}
	if f < 0 {
		return 0, ps.c.errorf("'%s' = '%s': must be at least 0", p.written, p.value)
	}
	return f, nil
}

func hexOrUnderscore(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'x', 'X', '_', 'p', 'P':
			return true
		}
	}
	return false
}

// describe names a key as the statement wrote it, or, when it was left
// out, by its canonical name and "(default)".
func (ps *params) describe(key string) string {
	if p, ok := ps.byKey[key]; ok {
		return fmt.Sprintf("'%s'", p.written)
	}
	return fmt.Sprintf("'%s' (default)", key)
}
