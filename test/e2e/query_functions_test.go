package e2e

import (
	"strings"
	"testing"

	"github.com/apache/iotdb-client-go/client"
)

// fnCases exercise the built-in string, variation, conditional, constant
// and selection functions over fqSetup's data (see query_fill_test.go), with
// answers worked out by hand. They run in TestQueryOpsStandalone and
// through a cluster DataNode in TestClusterQueryOps.
var fnCases = []fqCase{{
	"select s1, diff(s1), difference(s1), non_negative_difference(s1), time_difference(s1) from root.fq.a.d1",
	[]string{"root.fq.a.d1.s1", "diff(root.fq.a.d1.s1)", "difference(root.fq.a.d1.s1)", "non_negative_difference(root.fq.a.d1.s1)",
		"time_difference(root.fq.a.d1.s1)"},
	[]string{"1|1|null|null|null|null", "3|3|2|2|2|2", "5|5|2|2|2|2"},
}, {
	"select derivative(s2), non_negative_derivative(s2) from root.fq.a.d1",
	[]string{"derivative(root.fq.a.d1.s2)", "non_negative_derivative(root.fq.a.d1.s2)"},
	[]string{"1|null|null", "2|1|1", "5|1|1"},
}, {
	"select upper(s3), length(s3), concat(s3, 'target1'='!'), string_contains(s3, 's'='x'), replace(s3, 'y', 'z') from root.fq.a.d1",
	[]string{"upper(root.fq.a.d1.s3)", "length(root.fq.a.d1.s3)", `concat(root.fq.a.d1.s3, "target1"="!")`,
		`string_contains(root.fq.a.d1.s3, "s"="x")`, `replace(root.fq.a.d1.s3, "y", "z")`},
	[]string{"1|X|1|x!|true|x", "5|Y|1|y!|false|z"},
}, {
	"select on_off(s1, 'threshold'='3'), in_range(s2, 'lower'='2', 'upper'='3') from root.fq.a.d1",
	[]string{`on_off(root.fq.a.d1.s1, "threshold"="3")`, `in_range(root.fq.a.d1.s2, "lower"="2", "upper"="3")`},
	[]string{"1|false|false", "2|null|true", "3|true|null", "5|true|false"},
}, {
	"select top_k(s1, 'k'='2'), bottom_k(s1, 'k'='1'), non_zero_count(s1) from root.fq.a.d1",
	[]string{`top_k(root.fq.a.d1.s1, "k"="2")`, `bottom_k(root.fq.a.d1.s1, "k"="1")`, "non_zero_count(root.fq.a.d1.s1)"},
	[]string{"1|null|1|3", "3|3|null|null", "5|5|null|null"},
}, {
	"select m4(s1, 'windowSize'='2'), equal_size_bucket_agg_sample(s1, 'proportion'='0.5') from root.fq.a.d1",
	[]string{`m4(root.fq.a.d1.s1, "windowSize"="2")`, `equal_size_bucket_agg_sample(root.fq.a.d1.s1, "proportion"="0.5")`},
	[]string{"1|1|2", "3|3|null", "5|5|5"},
}, {
	"select difference(s1) from root.fq.a.* align by device",
	[]string{"Device", "difference(s1)"},
	[]string{"1|root.fq.a.d1|null", "3|root.fq.a.d1|2", "5|root.fq.a.d1|2", "1|root.fq.a.d2|null", "4|root.fq.a.d2|30"},
}}

func runFnCases(t *testing.T, sess *client.Session) {
	t.Helper()
	for _, c := range fnCases {
		res := query(t, sess, c.sql)
		if strings.Join(res.cols, ",") != strings.Join(c.cols, ",") {
			t.Errorf("%s: columns %q, want %q", c.sql, res.cols, c.cols)
			continue
		}
		if got := renderRows(res, true); strings.Join(got, " ") != strings.Join(c.rows, " ") {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.rows)
		}
	}
	st, err := nonQuery(sess, "select diff(s1) from root.fq.a.d1 order by time desc")
	if code, msg := wantFail(t, "diff in descending order", st, err); code != 701 || !strings.Contains(msg, "ascending time order") {
		t.Errorf("diff with ORDER BY TIME DESC: %d %q, want 701", code, msg)
	}
	st, err = nonQuery(sess, "select upper(s1) from root.fq.a.d1")
	if code, msg := wantFail(t, "upper of INT32", st, err); code != 701 || !strings.Contains(msg, "[TEXT]") {
		t.Errorf("upper of INT32: %d %q, want 701", code, msg)
	}
}
