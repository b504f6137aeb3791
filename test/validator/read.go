package validator

import (
	"fmt"
	"strconv"

	"github.com/apache/iotdb-client-go/client"
)

// Querier runs a query on the target. *client.Session, the official
// IoTDB Go client's session, is one.
type Querier interface {
	ExecuteQueryStatement(sql string, timeoutMs *int64) (*client.SessionDataSet, error)
}

// Query runs sql on q and returns its data set, which the caller closes.
// The official client dereferences a missing response when its
// connection broke: that is a failed query here, not a crash of the test.
func Query(q Querier, sql string) (ds *client.SessionDataSet, err error) {
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("client panicked: %v", r)
			}
		}()
		ds, err = q.ExecuteQueryStatement(sql, nil)
	}()
	if err == nil && ds == nil {
		err = fmt.Errorf("no data set and no error")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sql, err)
	}
	return ds, nil
}

// Read returns every point below the path prefix (a database or device
// path, without wildcards) that q's server holds, read with
// "SELECT ** FROM prefix".
func Read(q Querier, prefix string) (pts Points, err error) {
	sql := "SELECT ** FROM " + prefix
	ds, err := Query(q, sql)
	if err != nil {
		return nil, err
	}
	defer ds.Close()
	pts = Points{}
	for {
		ok, err := ds.Next()
		if err != nil {
			return nil, fmt.Errorf("%s: next row: %w", sql, err)
		}
		if !ok {
			return pts, nil
		}
		rec, err := ds.GetRowRecord()
		if err != nil {
			return nil, fmt.Errorf("%s: row: %w", sql, err)
		}
		for _, f := range rec.GetFields() {
			if f.GetName() == "Time" || f.IsNull() {
				continue
			}
			pts[Key{f.GetName(), rec.GetTimestamp()}] = Format(f.GetValue())
		}
	}
}

// Format renders a value as Read does, for recording what was written:
// integers in decimal, floating-point numbers in the shortest form that
// reads back the same (so a DOUBLE holding 42 is "42"), text as it is.
func Format(v any) string {
	switch x := v.(type) {
	case bool:
		return strconv.FormatBool(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return x
	}
	return fmt.Sprint(v)
}
