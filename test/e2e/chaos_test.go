package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/netfault"
	"github.com/sluicedb/sluice/test/proc"
	"github.com/sluicedb/sluice/test/validator"
)

// Environment variables of TestChaos. With neither SLUICE_CHAOS_DURATION
// nor SLUICE_CHAOS_FAULTS set it is the short run of the ordinary suite.
const (
	chaosSeedEnv     = "SLUICE_CHAOS_SEED"     // replay a run's fault schedule
	chaosDurationEnv = "SLUICE_CHAOS_DURATION" // long run: time to inject faults for, e.g. 20m
	chaosFaultsEnv   = "SLUICE_CHAOS_FAULTS"   // long run: number of faults, e.g. 60
	chaosKindsEnv    = "SLUICE_CHAOS_KINDS"    // only these kinds of fault, comma-separated, e.g. dn-rolling,sender-restart
)

// chaosShortFaults is how long the short run injects faults for.
const chaosShortFaults = 75 * time.Second

// chaosPlan is how long a run goes on and how it is seeded.
type chaosPlan struct {
	seed     uint64
	duration time.Duration // 0: no bound
	faults   int           // 0: no bound
	long     bool
	kinds    []chaosKind // the kinds of fault dealt
}

func chaosPlanFromEnv(t *testing.T) chaosPlan {
	t.Helper()
	p := chaosPlan{seed: rand.Uint64() >> 1, duration: chaosShortFaults, kinds: chaosKinds}
	if s := os.Getenv(chaosKindsEnv); s != "" {
		p.kinds = nil
		for _, k := range strings.Split(s, ",") {
			if !slices.Contains(chaosKinds, chaosKind(k)) {
				t.Fatalf("%s: unknown kind of fault %q; the kinds are %v", chaosKindsEnv, k, chaosKinds)
			}
			p.kinds = append(p.kinds, chaosKind(k))
		}
	}
	if s := os.Getenv(chaosSeedEnv); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", chaosSeedEnv, s, err)
		}
		p.seed = v
	}
	d, f := os.Getenv(chaosDurationEnv), os.Getenv(chaosFaultsEnv)
	if d == "" && f == "" {
		return p
	}
	p.long, p.duration = true, 0
	if d != "" {
		v, err := time.ParseDuration(d)
		if err != nil || v <= 0 {
			t.Fatalf("%s=%q: want a duration such as 20m", chaosDurationEnv, d)
		}
		p.duration = v
	}
	if f != "" {
		v, err := strconv.Atoi(f)
		if err != nil || v <= 0 {
			t.Fatalf("%s=%q: want a number of faults", chaosFaultsEnv, f)
		}
		p.faults = v
	}
	return p
}

// done reports whether a run that started injecting at start and has
// injected n faults is over.
func (p chaosPlan) done(start time.Time, n int) bool {
	return (p.duration > 0 && time.Since(start) >= p.duration) || (p.faults > 0 && n >= p.faults)
}

// chaosFault is one injected fault and what followed it.
type chaosFault struct {
	kind   chaosKind
	target string
	start  time.Time
	healed time.Time
	// resume is how long after healing the receiver's count of points
	// received grew again; -1 if it did not within the wait.
	resume time.Duration
	// received and held are the receiver's points received (over its
	// runs) and distinct points held when the fault started; ok if both
	// were read.
	received float64
	held     int64
	ok       bool
	// dups is how many points the receiver received more than once from
	// the fault's start to the next fault's.
	dups float64
	// ackedAtStart and ackedAtHeal are the load's acknowledged points
	// when the fault started and when it was healed: the write rate
	// between one fault's healing and the next one's start is the rate a
	// resend is measured against.
	ackedAtStart, ackedAtHeal int
}

// TestChaos syncs a 3 ConfigNode + 3 DataNode sender (RF=3) to a
// standalone receiver through a pipe whose sink reaches the receiver
// through a netfault.Proxy, under a continuous write load, while faults
// drawn from a seeded source hit both sides one after the other: kill -9
// and restart of DataNodes, of the ConfigNode leader and of other
// ConfigNodes, of the receiver; SIGSTOP/SIGCONT of a DataNode and of the
// receiver; a cut and a black-holed link between the clusters; rolling
// graceful restarts of the DataNodes; full restarts of the sender and of
// the receiver; and pairs of them: a region leader or the whole sender
// killed while the link is cut, the receiver and a region leader killed
// together. Afterwards the load stops, the pipe drains, and the
// receiver must hold every acknowledged point with its value and nothing
// no write made (test/validator). Duplicates and how long the pipe took to
// resume after each fault are measured and logged, not checked.
//
// The short run (about 75 s of faults) is part of the suite; set
// SLUICE_CHAOS_DURATION (e.g. 20m) and/or SLUICE_CHAOS_FAULTS (e.g. 60)
// for a long run, SLUICE_CHAOS_SEED to replay a run's schedule of faults
// (the timing of the processes is not replayed), and SLUICE_CHAOS_KINDS to
// deal only some kinds of fault.
func TestChaos(t *testing.T) {
	plan := chaosPlanFromEnv(t)
	t.Logf("chaos seed %d (replay with %s=%d)", plan.seed, chaosSeedEnv, plan.seed)
	if testing.Short() {
		t.Skip("starts a multi-process cluster and a receiver")
	}
	cl := proc.StartCluster(t, proc.ClusterConfig{ConfigNodes: 3, DataNodes: 3,
		Props: map[string]string{
			"data_replication_factor":                    strconv.Itoa(clusterRF),
			"default_data_region_group_num_per_database": strconv.Itoa(clusterRegionsPerDatabase),
		},
		// A transfer to a receiver that stopped answering is given up and
		// retried after 30 s rather than IoTDB's 15 min.
		Env: []string{"pipe_sink_timeout_ms=30000"},
	})
	recv := proc.StartStandalone(t)
	proxy := netfault.StartProxy(t, recv.Addr())
	rec := validator.NewRecorder()
	env := &chaosEnv{t: t, rec: rec, rng: rand.New(rand.NewPCG(plan.seed, plan.seed^0x5eed)), cl: cl, recv: recv,
		meter: newRecvMeter(recv), proxy: proxy, maxDown: 4 * time.Second}
	if plan.long {
		env.maxDown = 10 * time.Second
	}
	var load *chaosLoad
	t.Cleanup(func() {
		if load != nil {
			load.stopChaosLoad()
		}
		if t.Failed() {
			t.Logf("chaos seed %d failed (replay with %s=%d)", plan.seed, chaosSeedEnv, plan.seed)
			t.Logf("sender logs:\n%s", cl.LogTails(80))
			t.Logf("receiver log tail:\n%s", pipeLogTail(recv, 80))
		}
	})

	sender := sqlTo(t, cl.DataNodes[0])
	sender.mustExec("CREATE DATABASE " + chaosDB)
	for w := range chaosWriters {
		sender.mustExec(fmt.Sprintf("CREATE TIMESERIES %s WITH DATATYPE=INT64, ENCODING=RLE", chaosSeries(w)))
	}
	// Some history before the pipe, then the pipe under load.
	load = startChaosLoad(rec, cl.DataNodes)
	pipeWaitFor(t, 30*time.Second, "the load's first acknowledgements", func() (bool, string) {
		return load.batches.Load() >= 2*chaosWriters, load.describe()
	})
	sender.mustExec("CREATE PIPE chaos " + pipeSinkClause("iotdb-thrift-sink", proxy.Port()))
	pipeWaitFor(t, 60*time.Second, "the receiver's first points", func() (bool, string) {
		n, err := env.meter.poll()
		return n > 0, fmt.Sprintf("received %v (%v)", n, err)
	})

	faults := env.run(plan)

	load.stopChaosLoad()
	t.Logf("load: %s", load.describe())
	drain := 2 * time.Minute
	if plan.long {
		drain = 5 * time.Minute
	}
	got, drained := chaosDrain(t, rec, recv, drain)
	final := chaosFault{kind: "end", start: time.Now()}
	env.sample(&final)

	rep := rec.Check(got)
	t.Logf("chaos seed %d: %s", plan.seed, rep)
	chaosFigures(t, plan, faults, final, rep, load.started)
	if !drained || !rep.OK() {
		t.Errorf("chaos seed %d (replay with %s=%d): the receiver lost or altered acknowledged writes or holds invented ones (drained within %s: %v):\n%s",
			plan.seed, chaosSeedEnv, plan.seed, drain, drained, rep)
	}
	if r, err := chaosShow(cl.DataNodes[0].Addr(), "SHOW PIPES"); err == nil {
		t.Logf("SHOW PIPES after the run: %v", r)
	}
}

// run injects faults as the plan says, with calm spells of 0.5-2 s
// between them, and returns them.
func (e *chaosEnv) run(plan chaosPlan) []*chaosFault {
	t := e.t
	deck := &chaosDeck{rng: e.rng, kinds: plan.kinds}
	var faults []*chaosFault
	time.Sleep(2 * time.Second)
	start := time.Now()
	for !plan.done(start, len(faults)) {
		f := &chaosFault{kind: deck.next(), start: time.Now()}
		e.sample(f)
		f.ackedAtStart = e.rec.AckedPoints()
		f.target, f.healed = e.inject(f.kind)
		f.ackedAtHeal = e.rec.AckedPoints()
		f.resume = e.waitResume(20 * time.Second)
		t.Logf("fault %d at +%s: %s %s, healed after %s; receiver resumed %s later",
			len(faults)+1, f.start.Sub(start).Round(time.Second), f.kind, f.target,
			f.healed.Sub(f.start).Round(time.Millisecond), fmtResume(f.resume))
		faults = append(faults, f)
		time.Sleep(e.between(500*time.Millisecond, 2*time.Second))
	}
	t.Logf("%d faults in %s", len(faults), time.Since(start).Round(time.Second))
	return faults
}

// sample reads the receiver's points received and held into f.
func (e *chaosEnv) sample(f *chaosFault) {
	for range 20 {
		r, err := e.meter.poll()
		if err == nil {
			var n int64
			if n, err = chaosCount(e.recv.Addr()); err == nil {
				f.received, f.held, f.ok = r, n, true
				return
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// waitResume waits until the receiver's count of points received grows
// and returns how long that took, -1 if it did not within timeout.
func (e *chaosEnv) waitResume(timeout time.Duration) time.Duration {
	start := time.Now()
	base, err := e.meter.poll()
	for err != nil && time.Since(start) < timeout {
		// The receiver just restarted: its metrics come up with it.
		time.Sleep(50 * time.Millisecond)
		base, err = e.meter.poll()
	}
	for time.Since(start) < timeout {
		if n, err := e.meter.poll(); err == nil && n > base {
			return time.Since(start)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return -1
}

func fmtResume(d time.Duration) string {
	if d < 0 {
		return "not (within the wait)"
	}
	return d.Round(10 * time.Millisecond).String()
}

// chaosDrain waits up to timeout until the receiver holds every
// acknowledged point, and returns what it holds and whether it got there.
func chaosDrain(t *testing.T, rec *validator.Recorder, recv *proc.Standalone, timeout time.Duration) (validator.Points, bool) {
	t.Helper()
	sess := rootSession(t, recv)
	start := time.Now()
	for {
		// All of root: a point the receiver holds anywhere else was invented.
		got, err := validator.Read(sess, "root")
		if err == nil {
			missing, n := rec.Missing(got, 3)
			if n == 0 {
				t.Logf("drained in %s: the receiver holds all %d acknowledged points", time.Since(start).Round(time.Millisecond), rec.AckedPoints())
				return got, true
			}
			if time.Since(start) > timeout {
				t.Logf("not drained within %s: %d acknowledged points missing or different, e.g. %v", timeout, n, missing)
				return got, false
			}
		} else if time.Since(start) > timeout {
			t.Fatalf("reading the receiver: %v", err)
		}
		time.Sleep(time.Second)
	}
}

// chaosFigures logs the run's figures: faults by kind, points, duplicates
// in all and by the fault during and after which they arrived (up to the
// next fault), against a region's second of writes, and resume times by
// kind.
func chaosFigures(t *testing.T, plan chaosPlan, faults []*chaosFault, final chaosFault, rep *validator.Report, loadStart time.Time) {
	t.Helper()
	received := final.received
	var b strings.Builder
	fmt.Fprintf(&b, "chaos figures, seed %d (long %v):\n", plan.seed, plan.long)
	count := map[chaosKind]int{}
	for _, f := range faults {
		count[f.kind]++
	}
	fmt.Fprintf(&b, "  faults: %d:", len(faults))
	for _, k := range chaosKinds {
		fmt.Fprintf(&b, " %s %d", k, count[k])
	}
	fmt.Fprintf(&b, "\n  points: acknowledged %d, maybe-only %d (%d of them at the receiver), lost %d, wrong %d, invented %d\n",
		rep.Acked, rep.MaybeOnly, rep.MaybeHeld, len(rep.Missing), len(rep.Wrong), len(rep.Invented))
	fmt.Fprintf(&b, "  duplicates: %d (received %.0f, held %d)\n", rep.Duplicates(int64(received)), received, rep.Held)

	// Duplicates by window: from one fault's start to the next one's.
	windows := append(append([]*chaosFault(nil), faults...), &final)
	prev := &chaosFault{kind: "before-faults", ok: true}
	before := prev
	for _, f := range windows {
		if !f.ok {
			continue // merged into the window before
		}
		prev.dups = (f.received - prev.received) - float64(f.held-prev.held)
		prev = f
	}
	// The windows' bounds are read one after the other, not at once, and
	// a killed receiver's last moment goes uncounted: a window's figure
	// may be off by a batch or so either way. A region's second of writes
	// is the load's average rate shared by the database's regions: the
	// yardstick of a crash's resend.
	// Each fault's figure is also given in seconds of the cluster's
	// writes at the rate of the calm spell before it (all regions
	// together: a crash resends up to an interval of each region it led).
	rate := make(map[*chaosFault]float64, len(faults))
	lastHeal, lastAcked := loadStart, 0
	for _, f := range faults {
		if d := f.start.Sub(lastHeal).Seconds(); d > 0 {
			rate[f] = float64(f.ackedAtStart-lastAcked) / d
		}
		lastHeal, lastAcked = f.healed, f.ackedAtHeal
	}
	fmt.Fprintf(&b, "  duplicates by fault (arrived from its start to the next fault's, give or take a batch), and in seconds of the cluster's writes before it:\n")
	fmt.Fprintf(&b, "    %-24s %.0f\n", before.kind, before.dups)
	for _, k := range chaosKinds {
		var sum, most, mostSec float64
		var each []string
		for _, f := range faults {
			if f.kind != k || !f.ok {
				continue
			}
			sec := 0.0
			if rate[f] > 0 {
				sec = f.dups / rate[f]
			}
			sum, most, mostSec = sum+f.dups, max(most, f.dups), max(mostSec, sec)
			each = append(each, fmt.Sprintf("%.0f (%.2f s)", f.dups, sec))
		}
		if len(each) > 0 {
			fmt.Fprintf(&b, "    %-24s sum %.0f, max %.0f, max %.2f s: %s\n", k, sum, most, mostSec, strings.Join(each, ", "))
		}
	}
	b.WriteString("  resume times (healed -> receiver's count grows):\n")
	for _, k := range chaosKinds {
		var ds []string
		var all []time.Duration
		for _, f := range faults {
			if f.kind == k {
				ds = append(ds, fmtResume(f.resume))
				if f.resume >= 0 {
					all = append(all, f.resume)
				}
			}
		}
		if len(ds) == 0 {
			continue
		}
		slices.Sort(all)
		maxS := "-"
		if len(all) > 0 {
			maxS = all[len(all)-1].Round(10 * time.Millisecond).String()
		}
		fmt.Fprintf(&b, "    %-24s max %s: %s\n", k, maxS, strings.Join(ds, ", "))
	}
	t.Log(b.String())
}
