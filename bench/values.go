package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Values is the kind of series the workload writes. Both kinds are
// deterministic in (device, measurement, row), so Sluice and the
// PostgreSQL baseline receive the same numbers.
type Values int

const (
	// RandomWalk is a noisy series: from a random start between 20.00 and
	// 29.99, each sample moves by -0.01, 0 or +0.01 at random, as a sensor
	// reading a quantity that drifts does. It restarts at every tablet.
	RandomWalk Values = iota
	// Regular is a smooth series: a sine of one-hour period sampled every
	// second, rounded to 0.01, as a sensor with a fixed resolution reports
	// a slowly varying quantity (a temperature over the day).
	Regular
)

// valueNames are the names the command line and the JSON report use.
var valueNames = map[Values]string{RandomWalk: "random-walk", Regular: "regular"}

// String is the name of the kind: random-walk or regular.
func (v Values) String() string {
	if s, ok := valueNames[v]; ok {
		return s
	}
	return fmt.Sprintf("Values(%d)", int(v))
}

// MarshalText writes the kind's name, as in the JSON report.
func (v Values) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText reads the name MarshalText writes, so that a report's
// JSON reads back.
func (v *Values) UnmarshalText(b []byte) error {
	parsed, err := ParseValues(string(b))
	if err != nil {
		return err
	}
	*v = parsed
	return nil
}

// ParseValues reads a kind's name: regular or random-walk.
func ParseValues(s string) (Values, error) {
	for v, name := range valueNames {
		if strings.EqualFold(strings.TrimSpace(s), name) {
			return v, nil
		}
	}
	return 0, fmt.Errorf("unknown values %q: want regular or random-walk", s)
}

// fill writes into dst the values of one series (device, measurement) for
// the rows first, first+1, ..., first+len(dst)-1 of one tablet.
func (v Values) fill(dst []float64, device, measurement, first int) {
	switch v {
	case Regular:
		phase := 2 * math.Pi * float64(device*7+measurement) / 97
		base := 20 + float64(measurement)
		for r := range dst {
			x := base + 5*math.Sin(2*math.Pi*float64(first+r)/3600+phase)
			dst[r] = math.Round(x*100) / 100
		}
	case RandomWalk:
		rng := rand.New(rand.NewPCG(uint64(device)<<32|uint64(measurement), uint64(first)))
		c := 2000 + rng.IntN(1000)
		for r := range dst {
			c += rng.IntN(3) - 1
			dst[r] = float64(c) / 100
		}
	default:
		panic(fmt.Sprintf("BUG: unknown values kind %d", int(v)))
	}
}
