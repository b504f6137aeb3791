package query

import (
	"testing"

	"github.com/sluicedb/sluice/model"
)

// m4Store is the series of IoTDB's M4 example.
func m4Store() *fakeStore {
	f := newFakeStore()
	f.add("root.vehicle.d1.s1", model.Double, 1, 5.0, 2, 15.0, 5, 10.0, 8, 8.0, 10, 30.0, 20, 20.0, 25, 8.0, 27, 20.0,
		30, 40.0, 33, 9.0, 35, 10.0, 40, 20.0, 45, 30.0, 52, 8.0, 54, 18.0)
	return f
}

// The windows are worked out by hand; the two first cases are IoTDB's
// documented examples.
func TestM4(t *testing.T) {
	runCasesOn(t, m4Store, []queryCase{{
		name: "time windows of 25 ms from 0 to 100: first, last, bottom and top of [0,25) [25,50) [50,75)",
		q:    sqlQ(`select M4(s1,'timeInterval'='25','displayWindowBegin'='0','displayWindowEnd'='100') from root.vehicle.d1`),
		cols: []string{`m4(root.vehicle.d1.s1, "timeInterval"="25", "displayWindowBegin"="0", "displayWindowEnd"="100")`},
		rows: []string{"1|5", "10|30", "20|20", "25|8", "30|40", "45|30", "52|8", "54|18"},
	}, {
		name: "windows of 10 points",
		q:    sqlQ(`select m4(s1, 'windowSize'='10') from root.vehicle.d1`),
		cols: []string{`m4(root.vehicle.d1.s1, "windowSize"="10")`},
		rows: []string{"1|5", "30|40", "33|9", "35|10", "45|30", "52|8", "54|18"},
	}, {
		name: "time windows from the first point, sliding by 30 ms, ending at 40: [1,26) [31,40)",
		q:    sqlQ(`select m4(s1, 'timeInterval'='25', 'slidingStep'='30', 'displayWindowEnd'='40') from root.vehicle.d1`),
		cols: []string{`m4(root.vehicle.d1.s1, "timeInterval"="25", "slidingStep"="30", "displayWindowEnd"="40")`},
		rows: []string{"1|5", "10|30", "25|8", "33|9", "35|10"},
	}, {
		name: "windows of 4 points sliding by 6: points 1-4 (t1..t8), 7-10 (t25..t33), 13-15 (t45..t54)",
		q:    sqlQ(`select m4(s1, 'windowSize'='4', 'slidingStep'='6') from root.vehicle.d1 where time < 100`),
		cols: []string{`m4(root.vehicle.d1.s1, "windowSize"="4", "slidingStep"="6")`},
		rows: []string{"1|5", "2|15", "8|8", "25|8", "30|40", "33|9", "45|30", "52|8", "54|18"},
	}, {
		name: "both window kinds", q: sqlQ(`select m4(s1, 'windowSize'='2', 'timeInterval'='2') from root.vehicle.d1`),
		errCode: 701, errText: "exactly one of the attributes windowSize and timeInterval",
	}, {
		name: "a bad size", q: sqlQ(`select m4(s1, 'windowSize'='0') from root.vehicle.d1`),
		errCode: 701, errText: `"windowSize" must be a positive integer`,
	}, {
		name: "display window with a size window", q: sqlQ(`select m4(s1, 'windowSize'='2', 'displayWindowEnd'='5') from root.vehicle.d1`),
		errCode: 701, errText: "go with timeInterval",
	}})
}
