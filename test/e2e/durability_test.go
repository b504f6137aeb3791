package e2e

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"

	"github.com/sluicedb/sluice/test/proc"
)

// TestKill9LosesNoAcknowledgedPoint writes continuously from several
// sessions, kills the server with SIGKILL mid-stream, restarts it on the same
// data dir and checks that every acknowledged row is there.
func TestKill9LosesNoAcknowledgedPoint(t *testing.T) {
	s := proc.StartStandalone(t)
	const writers, rows = 3, 50
	acked := make([]int64, writers) // rows acknowledged per device
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range writers {
		sess := connect(t, s)
		wg.Add(1)
		go func() {
			defer wg.Done()
			schemas := []*client.MeasurementSchema{
				{Measurement: "a", DataType: client.DOUBLE}, {Measurement: "b", DataType: client.INT64}}
			for batch := int64(0); ; batch++ {
				select {
				case <-stop:
					return
				default:
				}
				tb, err := client.NewTablet(fmt.Sprintf("root.dur.d%d", w), schemas, rows)
				if err != nil {
					t.Error(err)
					return
				}
				for r := range rows {
					ts := batch*rows + int64(r)
					tb.SetTimestamp(ts, r)
					tb.SetValueAt(float64(ts), 0, r)
					tb.SetValueAt(ts, 1, r)
				}
				tb.RowSize = rows
				st, err := sess.InsertTablet(tb, true)
				if err != nil || st.GetCode() != 200 {
					return // the server is gone: everything before was acknowledged
				}
				acked[w] = (batch + 1) * rows
			}
		}()
	}
	time.Sleep(3 * time.Second)
	s.Kill()
	close(stop)
	wg.Wait()
	for w, n := range acked {
		if n == 0 {
			t.Fatalf("writer %d had no acknowledged write before the kill", w)
		}
	}

	s.Start()
	sess := connect(t, s)
	for w, n := range acked {
		dev := "root.dur.d" + strconv.Itoa(w)
		got := queryInt64(t, sess, "select count(a) from "+dev+" where time < "+strconv.FormatInt(n, 10))
		if got != n {
			t.Errorf("%s: %d of %d acknowledged rows survive kill -9", dev, got, n)
		}
		got = queryInt64(t, sess, "select count(b) from "+dev+" where time < "+strconv.FormatInt(n, 10))
		if got != n {
			t.Errorf("%s.b: %d of %d acknowledged rows survive kill -9", dev, got, n)
		}
	}
	s.Stop()
}
