package telemetry

import (
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
)

// Roles of a process, the role label of sluice_build_info.
const (
	RoleConfigNode = "confignode"
	RoleDataNode   = "datanode"
	RoleStandalone = "standalone"
)

// RegisterBuildInfo registers sluice_build_info on reg: a constant 1
// labelled with the product version, the Go version that built the binary
// and the process's role, so that dashboards can tell which build and kind
// of node every scrape target is.
func RegisterBuildInfo(reg prometheus.Registerer, version, role string) {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "sluice_build_info",
		Help: "Always 1: the version, Go version and role of this Sluice process.",
		ConstLabels: prometheus.Labels{
			"version":   version,
			"goversion": runtime.Version(),
			"role":      role,
		},
	})
	g.Set(1)
	reg.MustRegister(g)
}
