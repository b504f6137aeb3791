package sink

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestKey(t *testing.T) {
	a := map[string]string{}
	a["sink"] = "iotdb-thrift-sink"
	a["ip"] = "localhost"
	a["port"] = "9999"
	a["password"] = "secret"
	b := map[string]string{"password": "secret", "port": "9999", "ip": "localhost", "sink": "iotdb-thrift-sink"}
	if Key(a) != Key(b) {
		t.Fatalf("keys differ: %s vs %s", Key(a), Key(b))
	}
	if strings.Contains(Key(a), "secret") {
		t.Fatalf("key shows the password: %s", Key(a))
	}
	b["password"] = "other"
	if Key(a) == Key(b) {
		t.Fatal("different passwords give one key")
	}
	// Quoting keeps pairs apart: k="a,b" is not k="a" plus b.
	if Key(map[string]string{"k": `a","b"="c`}) == Key(map[string]string{"k": "a", "b": "c"}) {
		t.Fatal("keys collide")
	}
	// Equal sinks share an id; another sink has its own.
	same := maps.Clone(a)
	if id := SinkID(Key(a)); len(id) != 12 || id != SinkID(Key(same)) || id == SinkID(Key(b)) {
		t.Fatalf("SinkID = %q; of an equal sink %q; of another %q", id, SinkID(Key(same)), SinkID(Key(b)))
	}
}

func TestRegistryShares(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := NewRegistry(Config{}, nil, reg)
	defer r.Close()

	attrs1 := map[string]string{"sink": "iotdb-thrift-sink", "ip": "localhost", "port": "9999"}
	attrs2 := map[string]string{"port": "9999"}
	attrs2["ip"] = "localhost"
	attrs2["sink"] = "iotdb-thrift-sink"
	s1, rel1, err := r.Acquire(attrs1)
	if err != nil {
		t.Fatal(err)
	}
	s2, rel2, err := r.Acquire(attrs2)
	if err != nil {
		t.Fatal(err)
	}
	if s1 != s2 {
		t.Fatal("identical attributes got two instances")
	}
	if r.Key(attrs1) != r.Key(attrs2) {
		t.Fatal("identical attributes got two keys")
	}
	s3, rel3, err := r.Acquire(map[string]string{"sink": "iotdb-thrift-sink", "ip": "localhost", "port": "9998"})
	if err != nil {
		t.Fatal(err)
	}
	if s3 == s1 {
		t.Fatal("different attributes share an instance")
	}
	if n := testutil.CollectAndCount(r.metrics.conns); n != 2 {
		t.Fatalf("%d connection gauges, want 2", n)
	}

	// Close on an acquired sink does nothing; release does.
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	rel1()
	rel1() // idempotent: must not drop rel2's reference
	if err := s2.Transfer(t.Context(), testBatch(1)); errors.Is(err, ErrClosed) {
		t.Fatal("sink closed while still referenced")
	}
	rel2()
	if err := s2.Transfer(t.Context(), testBatch(1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Transfer after last release = %v, want ErrClosed", err)
	}
	if n := testutil.CollectAndCount(r.metrics.conns); n != 1 {
		t.Fatalf("%d connection gauges after a release, want 1", n)
	}

	// A new acquire after the last release gets a new instance.
	s4, rel4, err := r.Acquire(attrs1)
	if err != nil {
		t.Fatal(err)
	}
	if s4 == s1 {
		t.Fatal("closed instance handed out again")
	}
	rel4()
	rel3()

	if _, _, err := r.Acquire(map[string]string{"sink": "bogus"}); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("Acquire(bogus) = %v", err)
	}
	if n := testutil.CollectAndCount(r.metrics.conns); n != 0 {
		t.Fatalf("%d connection gauges after all releases, want 0", n)
	}
}

func TestRegistryClose(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := NewRegistry(Config{}, nil, reg)
	s, release, err := r.Acquire(map[string]string{"sink": "iotdb-thrift-sync-sink", "ip": "h", "port": "1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	release() // after Close: harmless
	if err := s.Transfer(t.Context(), testBatch(1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Transfer after registry Close = %v", err)
	}
	if _, _, err := r.Acquire(map[string]string{"sink": "do-nothing-sink"}); !errors.Is(err, ErrRegistryClosed) {
		t.Fatalf("Acquire after Close = %v", err)
	}
	// The metrics are unregistered: a new registry can register them again.
	r2 := NewRegistry(Config{}, nil, reg)
	r2.Close()
}

// TestRegistryKeysAsIoTDB: pipes share an instance when their attributes
// are equal as written, as IoTDB keys its sink subtasks; spellings that
// mean the same sink still make separate instances.
func TestRegistryKeysAsIoTDB(t *testing.T) {
	r := NewRegistry(Config{}, nil, nil)
	defer r.Close()
	base := map[string]string{"sink": "iotdb-thrift-sink", "sink.ip": "localhost", "sink.port": "9999"}
	s0, rel0, err := r.Acquire(base)
	if err != nil {
		t.Fatal(err)
	}
	defer rel0()
	for name, attrs := range map[string]map[string]string{
		"async alias":       {"sink": "iotdb-thrift-async-sink", "sink.ip": "localhost", "sink.port": "9999"},
		"prefix-less key":   {"sink": "iotdb-thrift-sink", "ip": "localhost", "sink.port": "9999"},
		"connector keys":    {"connector": "iotdb-thrift-sink", "connector.ip": "localhost", "connector.port": "9999"},
		"a default written": {"sink": "iotdb-thrift-sink", "sink.ip": "localhost", "sink.port": "9999", "sink.user": "root"},
		"plugin name case":  {"sink": "IoTDB-Thrift-Sink", "sink.ip": "localhost", "sink.port": "9999"},
	} {
		s, rel, err := r.Acquire(attrs)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if s == s0 {
			t.Errorf("%s: shares the instance of %v", name, base)
		}
		if a, err := parseAttributes(attrs); err != nil || len(a.targets) != 1 || a.targets[0] != "localhost:9999" {
			t.Errorf("%s: attributes %+v, %v", name, a, err)
		}
		rel()
	}
	same, rel, err := r.Acquire(map[string]string{"sink.port": "9999", "sink": "iotdb-thrift-sink", "sink.ip": "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer rel()
	if same != s0 {
		t.Error("the same attributes in another order got another instance")
	}
}
