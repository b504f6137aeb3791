package model

import (
	"math"
	"strconv"
	"strings"
)

// FormatFloat renders f the way IoTDB shows floating-point values, which is
// Java's Double.toString (bits 64) or Float.toString (bits 32): the shortest
// digits that read back, in plain notation with at least one fractional
// digit ("1.0") for 1e-3 <= |f| < 1e7, and in scientific notation ("1.0E-5",
// "1.25E7") outside it.
func FormatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, bits)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, bits) // e.g. -1.25e+07, 1e-05
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}
