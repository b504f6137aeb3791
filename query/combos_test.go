package query

import (
	"context"
	"testing"

	"github.com/sluicedb/sluice/status"
)

// TestCombinations runs the new clauses and functions in combinations the
// other tests do not, against testStore, in small batches: each must answer
// or fail with a status, never panic or leave a batch malformed.
func TestCombinations(t *testing.T) {
	for _, q := range []string{
		"select count(s1) from root.sg.** group by level = 1 having max_by(time, s1) > 1",
		"select count(s1) from root.sg.d1 having count_if(s1 > 0, 1) > 0",
		"select count(*) from root.** group by ([0, 12), 3ms), level = 0, 2 having count(s1) > 0 fill(linear) order by time desc limit 2 offset 1",
		"select avg(s1), mode(s5) from root.sg.d1, root.sg.d2 group by ([0, 12), 5ms, 2ms) having avg(s1) > 0 fill(0) align by device",
		"select s1, s5, s6 from root.sg.** where s1 > 0 fill(linear) align by device",
		"select s1 from root.nothing.** fill(previous)",
		"select count(s1) from root.nothing.** group by level = 1 having count(s1) > 0",
		"select count(s1) from root.sg.d1 group by ([0, 12), 3ms) having count(s9) > 0",
		"select cast(s5 as text), abs(s1), round(s3, 3) from root.sg.d1 fill('z') order by time desc",
		"select var_pop(*) from root.sg.d1",
		"select stddev(s1) from root.sg.** group by level = 2 slimit 1 soffset 1",
		"select max_by(s6, s2), min_by(time, s4) from root.sg.d1 group by ([0, 12), 4ms) fill(previous)",
		"select count_if(s6, 1), count_if(s1 > 0 & s2 > 0, keep < 3) from root.sg.d1 group by ([0, 12), 4ms)",
		"select count(s1) from root.sg.d1 group by ([0, 12), 4ms) having count(s1) > 0 and count_if(s1 > 0, 1) > 0",
		"select s1 from root.sg.d1 where cast(s5 as boolean) fill(previous)",
		"select ln(s1) + sqrt(s4) * 2, -abs(s2) from root.sg.d1 fill(linear)",
		"select count(s1) from root.sg.d1 group by ([0, 12), 4ms) fill(previous, 1mo)",
	} {
		t.Run(q, func(t *testing.T) {
			for _, max := range []int{1, 1000} {
				res, err := Execute(context.Background(), testStore(), sqlQ(q).s, testOpts)
				if err != nil {
					if status.CodeOf(err) == 0 {
						t.Fatalf("error without a status: %v", err)
					}
					continue
				}
				for {
					b, err := res.Rows.Next(context.Background(), max)
					if err != nil {
						if status.CodeOf(err) == 0 {
							t.Fatalf("error without a status: %v", err)
						}
						break
					}
					if b == nil {
						break
					}
					if len(b.Columns) != len(res.Columns) {
						t.Fatalf("batch of %d columns for %d", len(b.Columns), len(res.Columns))
					}
					for j := range b.Columns {
						if b.Columns[j].Len() != b.Len() || b.Columns[j].Type != res.Types[j] {
							t.Fatalf("column %d malformed", j)
						}
					}
				}
				res.Rows.Close()
			}
		})
	}
}
