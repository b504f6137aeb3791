// Package deploy tests what the repository ships for running Sluice, as an
// operator would use it: the compose files under deploy/compose, the image
// of deploy/docker built by `make image` and brought up as a 3 ConfigNode +
// 3 DataNode cluster, the Prometheus scrape config and alert rules under
// deploy/prometheus run by a real Prometheus against a live cluster, and
// the Grafana dashboards under deploy/grafana, whose every query must
// return data.
//
// The tests need docker and docker-compose, and Prometheus with promtool
// (Debian's prometheus package); without them they skip saying what is
// missing, unless SLUICE_DEPLOY_TESTS=require (set by .ci/run), which turns
// a missing tool into a failure. `make test-deploy` runs this package alone.
package deploy
