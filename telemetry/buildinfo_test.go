package telemetry

import (
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestBuildInfo(t *testing.T) {
	reg := NewRegistry()
	RegisterBuildInfo(reg, "1.2.3", RoleDataNode)
	want := `# HELP sluice_build_info Always 1: the version, Go version and role of this Sluice process.
# TYPE sluice_build_info gauge
sluice_build_info{goversion="` + runtime.Version() + `",role="datanode",version="1.2.3"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "sluice_build_info"); err != nil {
		t.Fatal(err)
	}
}
