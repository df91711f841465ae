package promrules

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// The alert precision harness: labelled synthetic scenarios (incidents,
// noisy traffic, low traffic, counter resets, scrape gaps) replayed
// through the rules by Prometheus's rule engine (tools/promtool/replay),
// scored for precision, recall and time to detect per alert.

// Incident is a labelled stretch of a scenario that deserves an alert of
// Severity, from Start to End (minutes).
type Incident struct {
	Start, End int
	Severity   string
}

// Worth is the ground truth of a scenario: the error budget policy the
// alerts implement, applied to the true events (before sampling, gaps and
// resets): an anomaly deserves a page if at some point it has spent 2%
// of the budget within an hour (an average burn of 14.4x) or 5% within 6
// hours (6x); a ticket if 10% within a day (3x) or within 3 days (1x);
// nothing otherwise. So an outage that a 99.9% objective must page for
// may spend too little of a 95% objective's budget to wake anyone.
func Worth(minutes []Traffic, budget float64, start, end int) string {
	burn := make([]float64, len(minutes)+1) // cumulative bad and total
	total := make([]float64, len(minutes)+1)
	for i, m := range minutes {
		burn[i+1] = burn[i] + m.Bad
		total[i+1] = total[i] + m.Good + m.Bad
	}
	reaches := func(window int, factor float64) bool {
		for t := start; t <= min(end+window, len(minutes)); t++ {
			from := max(t-window, 0)
			if n := total[t] - total[from]; n > 0 && (burn[t]-burn[from])/n >= factor*budget {
				return true
			}
		}
		return false
	}
	switch {
	case reaches(60, 14.4) || reaches(360, 6):
		return Page
	case reaches(1440, 3) || reaches(4320, 1):
		return Ticket
	}
	return ""
}

// Traffic is one minute of events: good and bad events, or a missing
// scrape (Gap), or a counter reset before it (Reset).
type Traffic struct {
	Good, Bad  float64
	Gap, Reset bool
}

// Replay is a labelled scenario.
type Replay struct {
	Name      string
	Minutes   []Traffic
	Incidents []Incident
}

// The scenarios' shape.
const (
	baselineMinutes = 3 * 24 * 60
	tailMinutes     = 12 * 60
)

// traffic makes minutes of traffic at a burn rate of the budget, with
// requests per minute varying by noise (a fraction) around rpm.
func traffic(r *rand.Rand, n int, rpm, burn, budget, noise float64) []Traffic {
	out := make([]Traffic, n)
	for i := range out {
		total := rpm * (1 + noise*(2*r.Float64()-1))
		// Bad events arrive at random at the burn rate: a whole number
		// each minute, so that low traffic is as lumpy as it really is.
		expected := total * min(burn*budget, 1)
		bad := float64(int(expected))
		if r.Float64() < expected-bad {
			bad++
		}
		// Never more bad events than events: a counter that went down
		// would read as a reset.
		bad = min(bad, float64(int(total)))
		out[i] = Traffic{Good: total - bad, Bad: bad}
	}
	return out
}

// Replays are the labelled scenarios for an SLO with the given error
// budget (a ratio). Every scenario starts with three days of ordinary
// traffic, so that the longest window starts full.
func Replays(budget float64) []Replay {
	r := rand.New(rand.NewPCG(1, 2))
	base := func() []Traffic { return traffic(r, baselineMinutes, 1000, 0.5, budget, 0.3) }
	t0 := baselineMinutes
	// scenario appends the anomaly (if any) and the tail to the baseline;
	// the anomaly is an incident of the severity the budget policy says
	// it deserves, or none.
	scenario := func(name string, anomaly []Traffic) Replay {
		m := append(base(), anomaly...)
		m = append(m, traffic(r, tailMinutes, 1000, 0.5, budget, 0.3)...)
		rp := Replay{Name: name, Minutes: m}
		if sev := Worth(m, budget, t0, t0+len(anomaly)); sev != "" {
			rp.Incidents = []Incident{{Start: t0, End: t0 + len(anomaly), Severity: sev}}
		}
		return rp
	}
	var out []Replay
	// Real incidents.
	out = append(out, scenario("outage: every request fails for 20 minutes", traffic(r, 20, 1000, 1/budget, budget, 0.1)))
	out = append(out, scenario("outage: every request fails for 90 minutes", traffic(r, 90, 1000, 1/budget, budget, 0.1)))
	out = append(out, scenario("fast burn: 30x for 40 minutes", traffic(r, 40, 1000, 30, budget, 0.3)))
	out = append(out, scenario("degradation: 8x for 6 hours", traffic(r, 360, 1000, 8, budget, 0.3)))
	out = append(out, scenario("slow burn: 2x for 3 days", traffic(r, 3*24*60, 1000, 2, budget, 0.3)))
	gapped := traffic(r, 90, 1000, 1/budget, budget, 0.1)
	for i := 5; i < 15; i++ {
		gapped[i].Gap = true
	}
	out = append(out, scenario("outage during a scrape gap: 90 minutes failing, 10 of them unscraped", gapped))
	// Noise that must not alert: spikes of 1 to 2 minutes at 20x every
	// few hours over a day, on traffic varying by half.
	var noisy []Traffic
	for len(noisy) < 24*60 {
		noisy = append(noisy, traffic(r, 150+r.IntN(120), 1000, 0.5, budget, 0.5)...)
		noisy = append(noisy, traffic(r, 1+r.IntN(2), 1000, 20, budget, 0.5)...)
	}
	out = append(out, scenario("noisy traffic: short spikes over a day", noisy))
	// Low traffic: the night, 5 requests a minute at the usual error rate.
	out = append(out, scenario("low traffic: 5 requests a minute for 12 hours", traffic(r, 12*60, 5, 0.5, budget, 0.5)))
	// A restarted pod resets its counters.
	reset := traffic(r, 6*60, 1000, 0.5, budget, 0.3)
	reset[0].Reset = true
	reset[3*60].Reset = true
	out = append(out, scenario("counter resets: two restarts in 6 hours", reset))
	// Prometheus misses scrapes.
	gaps := traffic(r, 6*60, 1000, 0.5, budget, 0.3)
	for i := 60; i < 75; i++ {
		gaps[i].Gap = true
	}
	out = append(out, scenario("scrape gap: 15 minutes without samples", gaps))
	return out
}

// Series turns a scenario into promtool-notation counter series through
// the SLO's Samples: each counter accumulates its increments, restarts
// from zero at a reset, and has no sample in a gap.
func (s SLO) Series(rp Replay) map[string]string {
	values := map[string][]string{}
	totals := map[string]float64{}
	for _, m := range rp.Minutes {
		for name, inc := range s.Samples(m.Good, m.Bad) {
			if m.Reset {
				totals[name] = 0
			}
			totals[name] += inc
			v := "_"
			if !m.Gap {
				v = strconv.FormatFloat(totals[name], 'f', -1, 64)
			}
			values[name] = append(values[name], v)
		}
	}
	out := map[string]string{}
	for name, v := range values {
		out[name] = strings.Join(v, " ")
	}
	return out
}

// Firing is an alert firing at a minute, as the rule engine reported.
type Firing struct {
	Minute int               `json:"minute"`
	Alert  string            `json:"alert"`
	Labels map[string]string `json:"labels"`
}

// Episode is a stretch of consecutive minutes an alert of one severity
// fired.
type Episode struct {
	Alert, Severity string
	Start, End      int
}

// Episodes groups firing minutes into episodes.
func Episodes(f []Firing) []Episode {
	slices.SortFunc(f, func(a, b Firing) int {
		if c := strings.Compare(a.Alert+a.Labels["severity"], b.Alert+b.Labels["severity"]); c != 0 {
			return c
		}
		return a.Minute - b.Minute
	})
	var out []Episode
	for _, x := range f {
		sev := x.Labels["severity"]
		if n := len(out); n > 0 && out[n-1].Alert == x.Alert && out[n-1].Severity == sev && out[n-1].End >= x.Minute-1 {
			out[n-1].End = x.Minute
			continue
		}
		out = append(out, Episode{Alert: x.Alert, Severity: sev, Start: x.Minute, End: x.Minute})
	}
	return out
}

// Score is an alert's result over the scenarios.
type Score struct {
	Episodes, TruePositives int
	Incidents, Detected     int
	// DetectMinutes are the times to detect of the detected incidents.
	DetectMinutes []int
}

// Precision is the share of episodes that were real incidents.
func (s Score) Precision() float64 {
	if s.Episodes == 0 {
		return 1
	}
	return float64(s.TruePositives) / float64(s.Episodes)
}

// Recall is the share of incidents detected.
func (s Score) Recall() float64 {
	if s.Incidents == 0 {
		return 1
	}
	return float64(s.Detected) / float64(s.Incidents)
}

func (s Score) String() string {
	ttd := "-"
	if len(s.DetectMinutes) > 0 {
		ttd = fmt.Sprintf("%d-%d min", slices.Min(s.DetectMinutes), slices.Max(s.DetectMinutes))
	}
	return fmt.Sprintf("precision %.0f%% (%d/%d episodes), recall %.0f%% (%d/%d incidents), time to detect %s",
		100*s.Precision(), s.TruePositives, s.Episodes, 100*s.Recall(), s.Detected, s.Incidents, ttd)
}

// grace is how long after an incident an alert still belongs to it: the
// longest short window (6h for tickets), during which a fixed problem's
// alert clears.
const grace = 6 * 60

// warmUp is the start of every replay, not scored: the replay's
// Prometheus starts empty, and a window holding a minute or two of
// samples says nothing (a production Prometheus has its history on its
// volume). It is the longest short window.
const warmUp = 6 * 60

// ScoreReplay adds one scenario's episodes to the scores, by alert and
// severity ("MitaBackendAvailabilityBudgetBurn/page"). An episode during
// (or within the grace after) any incident is a true positive: the
// problem was real, whatever its severity; an incident is detected by an
// episode of its own severity.
func ScoreReplay(scores map[string]*Score, alert string, rp Replay, episodes []Episode) {
	get := func(sev string) *Score {
		k := alert + "/" + sev
		if scores[k] == nil {
			scores[k] = &Score{}
		}
		return scores[k]
	}
	for _, sev := range []string{Page, Ticket} {
		get(sev)
	}
	for _, e := range episodes {
		if e.Alert != alert || e.Start < warmUp {
			continue
		}
		s := get(e.Severity)
		s.Episodes++
		for _, in := range rp.Incidents {
			if e.Start <= in.End+grace && e.End >= in.Start {
				s.TruePositives++
				break
			}
		}
	}
	for _, in := range rp.Incidents {
		s := get(in.Severity)
		s.Incidents++
		for _, e := range episodes {
			if e.Alert == alert && e.Severity == in.Severity && e.Start >= in.Start && e.Start <= in.End+grace {
				s.Detected++
				s.DetectMinutes = append(s.DetectMinutes, e.Start-in.Start)
				break
			}
		}
	}
}
