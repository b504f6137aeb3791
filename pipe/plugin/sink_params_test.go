package plugin

import "testing"

// TestSinkBatchAndCompressor checks the values of the batch and
// compressor parameters, with each prefix IoTDB accepts.
func TestSinkBatchAndCompressor(t *testing.T) {
	for _, pre := range []string{"sink.", "connector.", ""} {
		for _, tc := range []struct {
			key, value string
			want       []string // message parts; none: accepted
		}{
			{key: "batch.enable", value: "false"},
			{key: "batch.enable", value: "yes", want: []string{"must be true or false"}},
			{key: "batch.max-delay-seconds", value: "0"},
			{key: "batch.max-delay-seconds", value: "5"},
			{key: "batch.max-delay-seconds", value: "-1", want: []string{"at least 0"}},
			{key: "batch.size-bytes", value: "16777216"},
			{key: "batch.size-bytes", value: "0", want: []string{"at least 1"}},
			{key: "compressor", value: ""},
			{key: "compressor", value: "snappy"},
			{key: "compressor", value: "GZIP, lz4,zstd , lzma2"},
			{key: "compressor", value: "brotli", want: []string{"unknown compressor \"brotli\"", "snappy, gzip, lz4, zstd, lzma2"}},
			{key: "compressor.zstd.level", value: "22"},
			{key: "compressor.zstd.level", value: "-131072"},
			{key: "compressor.zstd.level", value: "23", want: []string{"at most 22"}},
			{key: "compressor.zstd.level", value: "-131073", want: []string{"at least -131072"}},
		} {
			name := pre + tc.key + "=" + tc.value
			t.Run(name, func(t *testing.T) {
				_, err := Parse(nil, nil, attrs("sink", "iotdb-thrift-sink", "ip", "h", "port", "1", pre+tc.key, tc.value), nil)
				if len(tc.want) == 0 {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				wantPipeError(t, err, append([]string{"'" + pre + tc.key + "'"}, tc.want...)...)
			})
		}
	}
	// The compressors are the Thrift sinks'; the legacy sink writes
	// through client RPCs, which IoTDB does not compress either.
	_, err := Parse(nil, nil, attrs("sink", "iotdb-legacy-pipe-sink", "ip", "h", "port", "1", "compressor", "zstd"), nil)
	wantPipeError(t, err, "unknown key 'compressor'")
	for _, plugin := range []string{SinkThriftSync, SinkThriftSSL, "iotdb-thrift-async-sink"} {
		if _, err := Parse(nil, nil, attrs("sink", plugin, "ip", "h", "port", "1", "sink.compressor", "lz4"), nil); err != nil {
			t.Errorf("%s with a compressor: %v", plugin, err)
		}
	}
}
