package plugin

import (
	"math"
	"testing"
)

func TestParseProcessor(t *testing.T) {
	cases := []struct {
		name string
		kv   []string
		want Processor
	}{
		{"do-nothing", nil, Processor{Plugin: ProcessorDoNothing}},
		{"tumbling defaults", []string{"processor", "tumbling-time-sampling-processor"},
			Processor{Plugin: ProcessorTumblingTime, IntervalMillis: 60_000, MemoryLimitBytes: 16 << 20}},
		{"tumbling prefixed", []string{"processor", "Tumbling-Time-Sampling-Processor", "processor.tumbling-time.interval-seconds", " 1 ",
			"processor.down-sampling.split-file", "TRUE", "down-sampling.memory-limit-in-bytes", "1024"},
			Processor{Plugin: ProcessorTumblingTime, IntervalMillis: 1000, MemoryLimitBytes: 1024, SplitFile: true}},
		{"tumbling interval saturates", []string{"processor", "tumbling-time-sampling-processor", "tumbling-time.interval-seconds", "9223372036854775807"},
			Processor{Plugin: ProcessorTumblingTime, IntervalMillis: math.MaxInt64, MemoryLimitBytes: 16 << 20}},
		{"sdt defaults", []string{"processor", "sdt-sampling-processor"},
			Processor{Plugin: ProcessorSDT, MaxInterval: math.MaxInt64, MemoryLimitBytes: 16 << 20}},
		{"sdt all", []string{"processor", "sdt-sampling-processor", "processor.sdt.compression-deviation", "0.25",
			"sdt.min-time-interval", "10", "processor.sdt.max-time-interval", "10"},
			Processor{Plugin: ProcessorSDT, Deviation: 0.25, MinInterval: 10, MaxInterval: 10, MemoryLimitBytes: 16 << 20}},
		{"sdt exponent", []string{"processor", "sdt-sampling-processor", "sdt.compression-deviation", "1e-3"},
			Processor{Plugin: ProcessorSDT, Deviation: 0.001, MaxInterval: math.MaxInt64, MemoryLimitBytes: 16 << 20}},
		{"changing-value defaults", []string{"processor", "changing-value-sampling-processor"},
			Processor{Plugin: ProcessorChangingValue, MaxInterval: math.MaxInt64, MemoryLimitBytes: 16 << 20}},
		{"changing-value all", []string{"processor", "changing-value-sampling-processor", "changing-value.compression-deviation", "2",
			"processor.changing-value.min-time-interval", "0", "changing-value.max-time-interval", "5000"},
			Processor{Plugin: ProcessorChangingValue, Deviation: 2, MaxInterval: 5000, MemoryLimitBytes: 16 << 20}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse(nil, attrs(c.kv...), minimalSink, nil)
			if err != nil {
				t.Fatal(err)
			}
			if s.Processor != c.want {
				t.Errorf("Processor = %+v, want %+v", s.Processor, c.want)
			}
			if s.Processor.Sampling() != (c.want.Plugin != ProcessorDoNothing) {
				t.Errorf("Sampling() = %v", s.Processor.Sampling())
			}
		})
	}
}

func TestParseProcessorErrors(t *testing.T) {
	const (
		tumbling = "tumbling-time-sampling-processor"
		sdt      = "sdt-sampling-processor"
		cv       = "changing-value-sampling-processor"
	)
	cases := []struct {
		name string
		kv   []string
		want []string
	}{
		{"interval zero", []string{"processor", tumbling, "processor.tumbling-time.interval-seconds", "0"},
			[]string{"PROCESSOR clause", "'processor.tumbling-time.interval-seconds' = '0'", "at least 1"}},
		{"interval negative", []string{"processor", tumbling, "tumbling-time.interval-seconds", "-5"},
			[]string{"'tumbling-time.interval-seconds' = '-5'", "at least 1"}},
		{"interval fractional", []string{"processor", tumbling, "tumbling-time.interval-seconds", "1.5"},
			[]string{"'tumbling-time.interval-seconds' = '1.5'", "must be an integer"}},
		{"interval of sdt", []string{"processor", sdt, "tumbling-time.interval-seconds", "1"},
			[]string{"unknown key 'tumbling-time.interval-seconds' for sdt-sampling-processor", "sdt.compression-deviation"}},
		{"sdt key on changing-value", []string{"processor", cv, "processor.sdt.compression-deviation", "1"},
			[]string{"unknown key 'processor.sdt.compression-deviation'", "changing-value.compression-deviation"}},
		{"misspelt key", []string{"processor", sdt, "processor.sdt.compresion-deviation", "1"},
			[]string{"(did you mean 'processor.sdt.compression-deviation'?)"}},
		{"split-file not bool", []string{"processor", tumbling, "down-sampling.split-file", "yes"},
			[]string{"'down-sampling.split-file' = 'yes'", "true or false"}},
		{"memory limit zero", []string{"processor", sdt, "processor.down-sampling.memory-limit-in-bytes", "0"},
			[]string{"'processor.down-sampling.memory-limit-in-bytes' = '0'", "at least 1"}},
		{"deviation negative", []string{"processor", sdt, "sdt.compression-deviation", "-0.1"},
			[]string{"'sdt.compression-deviation' = '-0.1'", "at least 0"}},
		{"deviation text", []string{"processor", cv, "processor.changing-value.compression-deviation", "small"},
			[]string{"'processor.changing-value.compression-deviation' = 'small'", "must be a number"}},
		{"deviation NaN", []string{"processor", sdt, "sdt.compression-deviation", "NaN"},
			[]string{"'sdt.compression-deviation' = 'NaN'", "must be a number"}},
		{"deviation hex", []string{"processor", sdt, "sdt.compression-deviation", "0x1p-2"},
			[]string{"'sdt.compression-deviation' = '0x1p-2'", "must be a number"}},
		{"deviation empty", []string{"processor", cv, "changing-value.compression-deviation", ""},
			[]string{"'changing-value.compression-deviation' = ''", "must be a number"}},
		{"min negative", []string{"processor", sdt, "sdt.min-time-interval", "-1"},
			[]string{"'sdt.min-time-interval' = '-1'", "at least 0"}},
		{"max negative", []string{"processor", cv, "changing-value.max-time-interval", "-1"},
			[]string{"'changing-value.max-time-interval' = '-1'", "at least 0"}},
		{"max not integer", []string{"processor", sdt, "sdt.max-time-interval", "10s"},
			[]string{"'sdt.max-time-interval' = '10s'", "must be an integer"}},
		{"min above max", []string{"processor", sdt, "processor.sdt.min-time-interval", "20", "sdt.max-time-interval", "10"},
			[]string{"PROCESSOR clause", "'processor.sdt.min-time-interval' (20) is greater than 'sdt.max-time-interval' (10)"}},
		{"min above max, changing-value", []string{"processor", cv, "changing-value.min-time-interval", "1", "changing-value.max-time-interval", "0"},
			[]string{"'changing-value.min-time-interval' (1) is greater than 'changing-value.max-time-interval' (0)"}},
		{"given twice", []string{"processor", sdt, "processor.sdt.min-time-interval", "1", "sdt.min-time-interval", "1"},
			[]string{"'sdt.min-time-interval' is given twice (as 'processor.sdt.min-time-interval' and 'sdt.min-time-interval')"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(nil, attrs(c.kv...), minimalSink, nil)
			wantPipeError(t, err, c.want...)
		})
	}
}
