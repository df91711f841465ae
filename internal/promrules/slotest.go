package promrules

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The promtool unit tests (promtool test rules) generated from an SLO:
// scenarios of traffic at a burn rate, and the alerts the real rule
// engine must and must not fire at given times.

// TestFile is a promtool rule test file.
type TestFile struct {
	RuleFiles          []string   `yaml:"rule_files"`
	EvaluationInterval string     `yaml:"evaluation_interval"`
	Tests              []UnitTest `yaml:"tests"`
}

// UnitTest is one scenario.
type UnitTest struct {
	Name          string         `yaml:"name"`
	Interval      string         `yaml:"interval"`
	InputSeries   []InputSeries  `yaml:"input_series"`
	AlertRuleTest []AlertRuleRun `yaml:"alert_rule_test"`
}

// InputSeries is one series in promtool's expanding notation.
type InputSeries struct {
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

// AlertRuleRun asserts the alerts of one name at one time.
type AlertRuleRun struct {
	EvalTime  string     `yaml:"eval_time"`
	AlertName string     `yaml:"alertname"`
	ExpAlerts []ExpAlert `yaml:"exp_alerts"`
}

// ExpAlert is an alert expected to fire.
type ExpAlert struct {
	ExpLabels      map[string]string `yaml:"exp_labels"`
	ExpAnnotations map[string]string `yaml:"exp_annotations"`
}

// Phase is a stretch of traffic: Minutes at Burn times the budget.
type Phase struct {
	Minutes int
	Burn    float64
}

// Scenario is traffic and what must hold during it: at each minute of
// Expect (counted from the start), exactly the listed severities fire.
type Scenario struct {
	Name   string
	Phases []Phase
	Expect map[int][]string
}

// requestsPerMinute is the scenarios' steady traffic.
const requestsPerMinute = 1000.0

// baseline is three days at half the budget: the longest alert window
// starts full, as in production.
var baseline = Phase{Minutes: 3 * 24 * 60, Burn: 0.5}

// Scenarios are the cases every SLO's alerts are tested on. The expected
// times follow from the windows: at 15x with the rest at 0.5x, the 1h
// window passes 14.4x after about 58 minutes; at 1.5x the 3d window
// passes 1x after about 36 hours and no page window ever reaches 6x; a
// 4-minute burst at 100x leaves the 1h window near 7x and the 6h window
// near 1.6x (a burst is capped at every request failing: 20x for a 95%
// objective).
func Scenarios() []Scenario {
	t0 := baseline.Minutes
	return []Scenario{
		{
			Name:   "steady traffic at half the budget burn never alerts",
			Phases: []Phase{{Minutes: 4 * 24 * 60, Burn: 0.5}},
			Expect: map[int][]string{6 * 60: nil, 24 * 60: nil, 3 * 24 * 60: nil, 4*24*60 - 1: nil},
		},
		{
			Name:   "a 15x burn pages within the hour, not before 55 minutes, and opens no ticket",
			Phases: []Phase{baseline, {Minutes: 90, Burn: 15}},
			Expect: map[int][]string{t0 + 30: nil, t0 + 55: nil, t0 + 60: {Page}, t0 + 75: {Page}},
		},
		{
			Name:   "a 1.5x burn opens a ticket after a day and a half and never pages",
			Phases: []Phase{baseline, {Minutes: 48 * 60, Burn: 1.5}},
			Expect: map[int][]string{t0 + 60: nil, t0 + 12*60: nil, t0 + 30*60: nil, t0 + 40*60: {Ticket}, t0 + 48*60 - 1: {Ticket}},
		},
		{
			Name:   "a burst shorter than the short window does not page",
			Phases: []Phase{baseline, {Minutes: 4, Burn: 100}, {Minutes: 120, Burn: 0.5}},
			Expect: map[int][]string{t0 + 4: nil, t0 + 10: nil, t0 + 30: nil, t0 + 60: nil, t0 + 120: nil},
		},
	}
}

// series writes a counter's increments per minute in promtool's
// expanding notation, one segment per phase.
func series(increments []float64, minutes []int) string {
	var parts []string
	value := 0.0
	for i, inc := range increments {
		n := minutes[i]
		if i == 0 {
			// Minute 0 is the counter's first sample.
			parts = append(parts, fmt.Sprintf("%s+%sx%d", num(value), num(inc), n))
			value += float64(n) * inc
			continue
		}
		value += inc
		parts = append(parts, fmt.Sprintf("%s+%sx%d", num(value), num(inc), n-1))
		value += float64(n-1) * inc
	}
	return strings.Join(parts, " ")
}

// AlertingGroups are what the alerts need: the error ratios of the alert
// windows and the alerts. The tests load only these: the period's ratio
// (a 30-day sum_over_time evaluated every minute) and the metadata change
// no alert and would make a days-long scenario minutes slower.
func (s SLO) AlertingGroups(runbooks Runbooks) []Group {
	g := s.Groups(runbooks)
	rec := g[0]
	rec.Rules = rec.Rules[:len(sliWindows)]
	return []Group{rec, g[2]}
}

// Tests are the SLO's scenarios as promtool unit tests of ruleFile, which
// holds AlertingGroups.
func (s SLO) Tests(ruleFile string, runbooks Runbooks) TestFile {
	alerts := map[string]Rule{}
	for _, g := range s.Groups(runbooks) {
		for _, r := range g.Rules {
			if r.Alert != "" {
				alerts[r.Labels["severity"]] = r
			}
		}
	}
	f := TestFile{RuleFiles: []string{ruleFile}, EvaluationInterval: "1m"}
	for _, sc := range Scenarios() {
		incs := map[string][]float64{}
		var minutes []int
		for _, ph := range sc.Phases {
			// At most every event is bad.
			bad := requestsPerMinute * min(ph.Burn*s.budget(), 1)
			for name, inc := range s.Samples(requestsPerMinute-bad, bad) {
				incs[name] = append(incs[name], inc)
			}
			minutes = append(minutes, ph.Minutes)
		}
		t := UnitTest{Name: s.ID() + ": " + sc.Name, Interval: "1m"}
		for _, name := range slices.Sorted(maps.Keys(incs)) {
			t.InputSeries = append(t.InputSeries, InputSeries{Series: name, Values: series(incs[name], minutes)})
		}
		for _, at := range slices.Sorted(maps.Keys(sc.Expect)) {
			run := AlertRuleRun{EvalTime: fmt.Sprintf("%dm", at), AlertName: s.AlertName(), ExpAlerts: []ExpAlert{}}
			for _, sev := range sc.Expect[at] {
				r := alerts[sev]
				run.ExpAlerts = append(run.ExpAlerts, ExpAlert{ExpLabels: s.labels(r.Labels), ExpAnnotations: r.Annotations})
			}
			t.AlertRuleTest = append(t.AlertRuleTest, run)
		}
		f.Tests = append(f.Tests, t)
	}
	return f
}
