package tsfiletest

import (
	"os"
	"testing"
)

func TestParseExpectedDump(t *testing.T) {
	b, err := os.ReadFile("../testdata/expected.dump.txt")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseDump(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if d.Head != "head=TsFile version=3 tail=TsFile" || len(d.Devices) != 4 {
		t.Fatalf("head %q, %d devices", d.Head, len(d.Devices))
	}
	for _, dev := range d.Devices {
		if len(dev.Rows) != 300 {
			t.Errorf("%s: %d rows", dev.Name, len(dev.Rows))
		}
	}
	if got := JavaString(float32(22.5)); got != "22.5" {
		t.Errorf("JavaString(22.5f) = %s", got)
	}
	for _, bad := range []string{"h\n1\t2\n", "h\ndevice x [a]\n1\t2\t3\n", "h\ndevice x [a]\n1\t2\nrows 2\n"} {
		if _, err := ParseDump(bad); err == nil {
			t.Errorf("ParseDump(%q) accepted", bad)
		}
	}
}
