package bench

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
)

// Chart geometry, in SVG user units (pixels).
const (
	chartWidth  = 960
	panelHeight = 300
	chartTop    = 50 // room for the title
	plotLeft    = 90
	plotRight   = chartWidth - 20
)

// barSeries is one system's (or one percentile's) bars, one per group.
type barSeries struct {
	name   string
	color  string
	values []float64 // NaN: no bar
}

// barPanel is one chart of grouped bars sharing a vertical scale.
type barPanel struct {
	title  string
	format func(float64) string // value labels and axis ticks
	series []barSeries
}

// WriteSVG draws the report as an SVG image: grouped bars, one group per
// run (size and values), of sync throughput, tail lag and latency at half
// load, Sluice and PostgreSQL side by side.
func (r Report) WriteSVG(w io.Writer) error {
	groups := make([]string, len(r.Runs))
	pick := func(f func(SizeRun) (float64, bool)) []float64 {
		vs := make([]float64, len(r.Runs))
		for i, run := range r.Runs {
			if v, ok := f(run); ok {
				vs[i] = v
			} else {
				vs[i] = math.NaN()
			}
		}
		return vs
	}
	hasPG := false
	for i, run := range r.Runs {
		groups[i] = FormatCount(run.Points) + " points, " + run.Values.String()
		hasPG = hasPG || run.Postgres != nil
	}
	sluice := func(get func(Figures) float64) []float64 {
		return pick(func(run SizeRun) (float64, bool) { return get(run.Sluice), true })
	}
	pg := func(get func(Figures) float64) []float64 {
		return pick(func(run SizeRun) (float64, bool) {
			if run.Postgres == nil {
				return 0, false
			}
			return get(*run.Postgres), true
		})
	}
	both := func(sName, sColor, pName, pColor string, get func(Figures) float64) []barSeries {
		s := []barSeries{{sName, sColor, sluice(get)}}
		if hasPG {
			s = append(s, barSeries{pName, pColor, pg(get)})
		}
		return s
	}
	const blue, lightBlue, orange, lightOrange = "#1f77b4", "#9ecae1", "#e6550d", "#fdae6b"
	millions := func(v float64) string { return strconv.FormatFloat(v/1e6, 'f', 2, 64) + "M" }
	millis := func(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) + " ms" }
	p50 := func(f Figures) float64 { return f.LatencyP50Milliseconds }
	p99 := func(f Figures) float64 { return f.LatencyP99Milliseconds }
	latency := []barSeries{{"Sluice p50", lightBlue, sluice(p50)}, {"Sluice p99", blue, sluice(p99)}}
	if hasPG {
		latency = append(latency, barSeries{"PostgreSQL p50", lightOrange, pg(p50)}, barSeries{"PostgreSQL p99", orange, pg(p99)})
	}
	panels := []barPanel{
		{"Sync throughput, first write on A until B holds every point (points/s)", millions,
			both("Sluice", blue, "PostgreSQL", orange, func(f Figures) float64 { return f.SyncPointsPerSecond })},
		{"Tail lag, last write on A until B holds every point (ms)", millis,
			both("Sluice", blue, "PostgreSQL", orange, func(f Figures) float64 { return f.TailLagSeconds * 1000 })},
		{"Write-to-visible latency at half the sync throughput (ms)", millis, latency},
	}

	var b bytes.Buffer
	height := chartTop + len(panels)*panelHeight
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", chartWidth, height)
	title := "sluice bench: Sluice pipe sync"
	if hasPG {
		title = "sluice bench: Sluice pipe vs PostgreSQL 15 logical replication"
	}
	text(&b, chartWidth/2, 20, "middle", `font-size="14" font-weight="bold"`, title)
	sub := fmt.Sprintf("%d devices x %d DOUBLE, %d-row tablets, %d session(s); %d cores, %s, %s, %s",
		r.Workload.Devices, r.Workload.Measurements, r.Workload.TabletRows, r.Workload.Sessions,
		r.Machine.Cores, r.Machine.CPUModel, r.Machine.GoVersion, r.Machine.Date.Format("2006-01-02 15:04 MST"))
	text(&b, chartWidth/2, 38, "middle", "", sub)
	for i, p := range panels {
		p.draw(&b, chartTop+i*panelHeight, groups)
	}
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// draw puts the panel at vertical offset top.
func (p barPanel) draw(b *bytes.Buffer, top int, groups []string) {
	plotTop, plotBottom := float64(top+50), float64(top+panelHeight-45)
	text(b, plotLeft, top+20, "start", `font-size="13" font-weight="bold"`, p.title)
	// Legend, right-aligned on the title's line.
	x := plotRight
	for i := len(p.series) - 1; i >= 0; i-- {
		s := p.series[i]
		x -= 7*len(s.name) + 24
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/>`+"\n", x, top+28, s.color)
		text(b, x+16, top+38, "start", "", s.name)
	}
	top1 := 0.0
	for _, s := range p.series {
		for _, v := range s.values {
			if !math.IsNaN(v) {
				top1 = math.Max(top1, v)
			}
		}
	}
	step := niceStep(top1 / 4)
	ymax := step * math.Ceil(top1/step)
	if ymax == 0 {
		ymax = 1
	}
	y := func(v float64) float64 { return plotBottom - (plotBottom-plotTop)*v/ymax }
	for v := 0.0; v <= ymax*1.0001; v += step {
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", plotLeft, y(v), plotRight, y(v))
		text(b, plotLeft-6, int(y(v))+4, "end", "", p.format(v))
	}
	fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#333"/>`+"\n", plotLeft, plotBottom, plotRight, plotBottom)
	if len(groups) == 0 {
		return
	}
	groupW := float64(plotRight-plotLeft) / float64(len(groups))
	barW := groupW * 0.8 / float64(max(len(p.series), 1))
	for g, name := range groups {
		gx := float64(plotLeft) + groupW*float64(g) + groupW*0.1
		for i, s := range p.series {
			v := s.values[g]
			if math.IsNaN(v) {
				continue
			}
			bx := gx + barW*float64(i)
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`+"\n",
				bx, y(v), barW-2, plotBottom-y(v), s.color, escape(s.name+", "+name+": "+p.format(v)))
			text(b, int(bx+barW/2), int(y(v))-4, "middle", `font-size="10"`, p.format(v))
		}
		text(b, int(gx+groupW*0.4), int(plotBottom)+18, "middle", "", name)
	}
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

func text(b *bytes.Buffer, x, y int, anchor, attrs, s string) {
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="%s" %s>%s</text>`+"\n", x, y, anchor, attrs, escape(s))
}

func escape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s)) // writes to a bytes.Buffer cannot fail
	return b.String()
}
