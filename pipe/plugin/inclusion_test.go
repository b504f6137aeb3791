package plugin

import (
	"testing"
	"time"
)

func TestParseInclusion(t *testing.T) {
	for _, tc := range []struct {
		name string
		kv   []string
		want Inclusion
	}{
		{"default", nil, Inclusion{Data: true}},
		{"data and schema", []string{"source.inclusion", "data.insert,schema"}, Inclusion{Data: true, Schema: true}},
		{"extractor prefix", []string{"extractor.inclusion", "data, schema.timeseries"}, Inclusion{Data: true, Schema: true}},
		{"no prefix, upper case", []string{"inclusion", "ALL"}, Inclusion{Data: true, Schema: true}},
		{"schema only", []string{"source.inclusion", "schema.timeseries.ordinary.create"}, Inclusion{Schema: true}},
		{"all but data", []string{"source.inclusion", "all", "source.inclusion.exclusion", "data"}, Inclusion{Schema: true}},
		{"alter excluded, create kept", []string{"source.inclusion", "schema.timeseries.ordinary", "inclusion.exclusion", "schema.timeseries.ordinary.alter"}, Inclusion{Schema: true}},
		{"exclusion of what is not carried", []string{"source.inclusion", "all", "source.inclusion.exclusion", "auth,schema.database"}, Inclusion{Data: true, Schema: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec, err := Parse(attrs(tc.kv...), nil, minimalSink, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			if spec.Source.Inclusion != tc.want {
				t.Errorf("Inclusion = %+v, want %+v", spec.Source.Inclusion, tc.want)
			}
		})
	}
}

func TestParseInclusionErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		kv    []string
		parts []string
	}{
		{"typo", []string{"source.inclusion", "data.insrt"}, []string{"unknown value 'data.insrt'", "did you mean 'data.insert'"}},
		{"not a node prefix", []string{"source.inclusion", "sche"}, []string{"unknown value 'sche'"}},
		{"deletions named", []string{"source.inclusion", "data.delete"}, []string{"'data.delete' is not carried"}},
		{"auth named", []string{"inclusion", "data.insert,auth"}, []string{"'auth' is not carried"}},
		{"templates named", []string{"source.inclusion", "schema.timeseries.template"}, []string{"is not carried"}},
		{"everything excluded", []string{"source.inclusion", "data.insert", "source.inclusion.exclusion", "data"}, []string{"selects nothing"}},
		{"bad exclusion", []string{"source.inclusion.exclusion", "datta"}, []string{"'source.inclusion.exclusion'", "unknown value 'datta'"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(attrs(tc.kv...), nil, minimalSink, time.UTC)
			wantPipeError(t, err, tc.parts...)
		})
	}
}

// TestInclusionSchemaNeedsASchemaSink: the air-gap and legacy sinks carry
// points only, so a pipe asking them for schema is refused rather than
// created to leave it behind; without schema they are accepted.
func TestInclusionSchemaNeedsASchemaSink(t *testing.T) {
	for _, sink := range []string{"iotdb-air-gap-sink", "iotdb-legacy-pipe-sink"} {
		snk := attrs("sink", sink, "sink.ip", "10.0.0.1", "sink.port", "9780")
		if sink == "iotdb-legacy-pipe-sink" {
			snk = attrs("sink", sink, "sink.ip", "10.0.0.1", "sink.port", "6667")
		}
		_, err := Parse(attrs("source.inclusion", "data.insert,schema"), nil, snk, time.UTC)
		wantPipeError(t, err, sink, "does not carry series schema")
		if _, err := Parse(attrs("source.inclusion", "data.insert"), nil, snk, time.UTC); err != nil {
			t.Errorf("%s without schema: %v", sink, err)
		}
	}
}
