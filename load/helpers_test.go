package load

import "strconv"

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }

func parseInt(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		panic("BUG: bad test key " + s)
	}
	return n
}
