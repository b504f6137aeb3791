package sink

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sluicedb/sluice/pipe"
	"github.com/sluicedb/sluice/pipe/receiver"
	"github.com/sluicedb/sluice/pipe/transfer"
)

// TestThriftCompressor sends through the real receiver with each
// compressor, a chain of them and zstd at a high level, including a batch
// the receiver's limit makes the sink split.
func TestThriftCompressor(t *testing.T) {
	lists := append(transfer.Compressors(), "snappy, gzip", "ZSTD")
	for _, list := range lists {
		t.Run(list, func(t *testing.T) {
			target := &fakeTarget{}
			srv := startReceiver(t, target, receiver.WithMaxPayloadBytes(16<<10))
			attrs := thriftAttrs(PluginThriftSync, srv.addr())
			attrs["compressor"] = list
			if list == "ZSTD" {
				attrs["compressor.zstd.level"] = "19"
			}
			s := newTestSink(t, attrs, testConfig)
			b, want := bigBatch()
			if err := s.Transfer(t.Context(), b); err != nil {
				t.Fatal(err)
			}
			if err := s.Transfer(t.Context(), testBatch(5000)); err != nil {
				t.Fatal(err)
			}
			target.mu.Lock()
			defer target.mu.Unlock()
			if target.calls < 3 || !slices.Equal(target.rows, append(want, 5000)) {
				t.Fatalf("%d inserts holding %d rows, want several holding the 2001 rows in order", target.calls, len(target.rows))
			}
		})
	}
}

// TestThriftDefaultBodyUncompressed checks what a Thrift sink sends
// without a compressor, or with 'none': the tablets body uncompressed
// (compression byte 0), which every Sluice receiver reads; naming zstd
// sends IoTDB's compressed request.
func TestThriftDefaultBodyUncompressed(t *testing.T) {
	for _, tc := range []struct {
		compressor string
		want       string
	}{
		{"", "tablets/0"},
		{"none", "tablets/0"},
		{"zstd", fmt.Sprintf("type %d", transfer.TypeCompressed)},
	} {
		t.Run(tc.compressor, func(t *testing.T) {
			target := &fakeTarget{}
			srv := startReceiver(t, target)
			attrs := thriftAttrs(PluginThriftSync, srv.addr())
			if tc.compressor != "" {
				attrs["compressor"] = tc.compressor
			}
			s := newTestSink(t, attrs, testConfig)
			if err := s.Transfer(t.Context(), testBatch(7)); err != nil {
				t.Fatal(err)
			}
			if got := srv.received(); !slices.Equal(got, []string{tc.want}) {
				t.Fatalf("requests %v, want [%s]", got, tc.want)
			}
			if times, _ := target.received(); !slices.Equal(times, []int64{7}) {
				t.Fatalf("target got rows %v, want [7]", times)
			}
		})
	}
}

func TestCompressorAttributes(t *testing.T) {
	for _, tc := range []struct {
		attrs map[string]string
		ok    bool
	}{
		{map[string]string{"compressor": ""}, true},
		{map[string]string{"compressor": "lz4,zstd", "compressor.zstd.level": "-5"}, true},
		{map[string]string{"compressor": "brotli"}, false},
		{map[string]string{"compressor.zstd.level": "23"}, false},
		{map[string]string{"compressor.zstd.level": "x"}, false},
	} {
		attrs := thriftAttrs(PluginThrift, "h:1")
		for k, v := range tc.attrs {
			attrs[k] = v
		}
		if _, err := parseAttributes(attrs); (err == nil) != tc.ok {
			t.Errorf("%v: err = %v, want ok %v", tc.attrs, err, tc.ok)
		}
	}
}

// TestBatchingAttributes: IoTDB's defaults, each key with and without its
// prefix, and the registry's shared instance passing them on.
func TestBatchingAttributes(t *testing.T) {
	def := pipe.Batching{MaxDelay: time.Second, SizeBytes: 16 << 20}
	for _, tc := range []struct {
		attrs map[string]string
		want  pipe.Batching
		bad   bool
	}{
		{attrs: nil, want: def},
		{attrs: map[string]string{"sink.batch.enable": "true"}, want: pipe.Batching{Enabled: true, MaxDelay: time.Second, SizeBytes: 16 << 20}},
		{attrs: map[string]string{"batch.enable": "true", "connector.batch.max-delay-seconds": "5", "batch.size-bytes": "1024"}, want: pipe.Batching{Enabled: true, MaxDelay: 5 * time.Second, SizeBytes: 1024}},
		{attrs: map[string]string{"batch.enable": "maybe"}, bad: true},
		{attrs: map[string]string{"batch.max-delay-seconds": "-1"}, bad: true},
		{attrs: map[string]string{"batch.size-bytes": "0"}, bad: true},
	} {
		attrs := thriftAttrs(PluginThrift, "h:1")
		for k, v := range tc.attrs {
			attrs[k] = v
		}
		a, err := parseAttributes(attrs)
		if (err != nil) != tc.bad {
			t.Errorf("%v: err = %v, want error %v", tc.attrs, err, tc.bad)
			continue
		}
		if err == nil && a.batching != tc.want {
			t.Errorf("%v: batching %+v, want %+v", tc.attrs, a.batching, tc.want)
		}
	}
	r := NewRegistry(Config{}, nil, nil)
	defer r.Close()
	for plugin, want := range map[string]pipe.Batching{PluginThriftSync: def, PluginLegacy: def, PluginDoNothing: {}} {
		attrs := map[string]string{"sink": plugin}
		if plugin != PluginDoNothing {
			attrs["node-urls"] = "h:1"
		}
		s, rel, err := r.Acquire(attrs)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.(pipe.Batcher).Batching(); got != want {
			t.Errorf("%s: Batching() = %+v, want %+v", plugin, got, want)
		}
		rel()
	}
}
