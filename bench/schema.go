package bench

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/iotdb-client-go/client"
)

// createSchema creates the workload's database (prefix, e.g. root.sync)
// and its DOUBLE series, so that the timed run writes into a schema that
// exists on both sides, as the PostgreSQL baseline's tables do.
func createSchema(s client.Session, prefix string, cfg Config) error {
	if err := exec(s, "CREATE DATABASE "+prefix); err != nil {
		return err
	}
	stmts := make([]string, 0, cfg.Devices*cfg.Measurements)
	for d := range cfg.Devices {
		for m := range cfg.Measurements {
			stmts = append(stmts, fmt.Sprintf("CREATE TIMESERIES %s.d%d.s%d WITH DATATYPE=DOUBLE", prefix, d, m))
		}
	}
	st, err := s.ExecuteBatchStatement(stmts)
	if err != nil {
		return fmt.Errorf("create the series of %s: %w", prefix, err)
	}
	if st.GetCode() != 200 {
		var msgs []string
		for _, sub := range st.GetSubStatus() {
			if sub.GetCode() != 200 {
				msgs = append(msgs, strconv.Itoa(int(sub.GetCode()))+" "+sub.GetMessage())
			}
		}
		return fmt.Errorf("create the series of %s: %d %s %s", prefix, st.GetCode(), st.GetMessage(), strings.Join(msgs, "; "))
	}
	return nil
}
