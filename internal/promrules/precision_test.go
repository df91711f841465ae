package promrules

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plantest"
)

func TestEpisodesAndScores(t *testing.T) {
	at := func(m int) int { return warmUp + m }
	f := []Firing{
		{Minute: at(12), Alert: "A", Labels: map[string]string{"severity": "page"}},
		{Minute: at(10), Alert: "A", Labels: map[string]string{"severity": "page"}},
		{Minute: at(11), Alert: "A", Labels: map[string]string{"severity": "page"}},
		{Minute: at(30), Alert: "A", Labels: map[string]string{"severity": "page"}},
		{Minute: at(11), Alert: "A", Labels: map[string]string{"severity": "ticket"}},
		{Minute: 3, Alert: "A", Labels: map[string]string{"severity": "ticket"}},
	}
	eps := Episodes(f)
	assert.Equal(t, []Episode{{"A", "page", at(10), at(12)}, {"A", "page", at(30), at(30)}, {"A", "ticket", 3, 3}, {"A", "ticket", at(11), at(11)}}, eps)
	scores := map[string]*Score{}
	ScoreReplay(scores, "A", Replay{Incidents: []Incident{{Start: at(8), End: at(15), Severity: Page}, {Start: at(1000), End: at(1010), Severity: Page}}}, eps)
	page := scores["A/page"]
	assert.Equal(t, 2, page.Episodes)
	assert.Equal(t, 2, page.TruePositives, "the second episode is within the grace after the incident")
	assert.Equal(t, 2, page.Incidents)
	assert.Equal(t, 1, page.Detected, "the second incident was missed")
	assert.Equal(t, []int{2}, page.DetectMinutes)
	assert.InDelta(t, 0.5, page.Recall(), 1e-9)
	assert.Equal(t, 1, scores["A/ticket"].TruePositives)
	assert.Equal(t, 1, scores["A/ticket"].Episodes, "nothing is scored during the replay's warm-up")

	fp := map[string]*Score{}
	ScoreReplay(fp, "A", Replay{}, eps)
	assert.InDelta(t, 0, fp["A/page"].Precision(), 1e-9, "episodes in a scenario without incidents are false positives")
}

func TestScenariosAreLabelledByTheBudgetPolicy(t *testing.T) {
	labels := func(budget float64) map[string]string {
		out := map[string]string{}
		for _, rp := range Replays(budget) {
			out[rp.Name] = ""
			for _, in := range rp.Incidents {
				out[rp.Name] = in.Severity
			}
		}
		return out
	}
	// A 99.9% objective: every outage and fast burn pages, the slow burn
	// is a ticket, the noise is nothing.
	assert.Equal(t, map[string]string{
		"outage: every request fails for 20 minutes":                           Page,
		"outage: every request fails for 90 minutes":                           Page,
		"fast burn: 30x for 40 minutes":                                        Page,
		"degradation: 8x for 6 hours":                                          Page,
		"slow burn: 2x for 3 days":                                             Ticket,
		"outage during a scrape gap: 90 minutes failing, 10 of them unscraped": Page,
		"noisy traffic: short spikes over a day":                               "",
		"low traffic: 5 requests a minute for 12 hours":                        "",
		"counter resets: two restarts in 6 hours":                              "",
		"scrape gap: 15 minutes without samples":                               "",
	}, labels(0.001))
	// A 95% objective's budget is 50 times larger: 20 minutes of every
	// request slow spend under 1% of it, which pages nobody.
	l := labels(0.05)
	assert.Equal(t, "", l["outage: every request fails for 20 minutes"])
	assert.Equal(t, Page, l["outage: every request fails for 90 minutes"])
}

func TestSeriesFromTraffic(t *testing.T) {
	s := mita()[0]
	got := s.Series(Replay{Minutes: []Traffic{{Good: 10, Bad: 1}, {Good: 10, Bad: 0, Gap: true}, {Good: 5, Bad: 2, Reset: true}}})
	assert.Equal(t, "10 _ 5", got[`http_requests_total{service="mita-backend",code="200"}`])
	assert.Equal(t, "1 _ 2", got[`http_requests_total{service="mita-backend",code="500"}`])
}

// TestAlertPrecision replays every labelled scenario through each SLO's
// rules with Prometheus's rule engine, scores every alert and fails below
// 90% precision or recall. make test-rules sets PLATFORM_REPLAY.
func TestAlertPrecision(t *testing.T) {
	replay := plantest.Tool(t, "PLATFORM_REPLAY", "make test-rules")
	dir := t.TempDir()
	type job struct {
		slo SLO
		rp  Replay
	}
	var jobs []job
	for _, s := range mita() {
		rb, err := File{Groups: s.AlertingGroups(runbooks)}.YAML()
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, s.ID()+".yaml"), rb, 0o644))
		for _, rp := range Replays(s.budget()) {
			jobs = append(jobs, job{s, rp})
		}
	}
	var mu sync.Mutex
	scores := map[string]*Score{}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	errs := make([]error, len(jobs))
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			var series []map[string]string
			for name, values := range j.slo.Series(j.rp) {
				series = append(series, map[string]string{"series": name, "values": values})
			}
			b, _ := json.Marshal(map[string]any{"minutes": len(j.rp.Minutes), "series": series})
			file := filepath.Join(dir, fmt.Sprintf("scenario-%d.json", i))
			if err := os.WriteFile(file, b, 0o644); err != nil {
				errs[i] = err
				return
			}
			out, err := exec.Command(replay, "-scenario", file, filepath.Join(dir, j.slo.ID()+".yaml")).Output()
			if err != nil {
				errs[i] = fmt.Errorf("%s / %s: %w", j.slo.ID(), j.rp.Name, err)
				return
			}
			var res struct {
				Firing []Firing `json:"firing"`
			}
			if err := json.Unmarshal(out, &res); err != nil {
				errs[i] = err
				return
			}
			eps := Episodes(res.Firing)
			mu.Lock()
			defer mu.Unlock()
			ScoreReplay(scores, j.slo.AlertName(), j.rp, eps)
			for _, e := range eps {
				t.Logf("%s / %s: %s %s fired minutes %d-%d", j.slo.ID(), j.rp.Name, e.Alert, e.Severity, e.Start-baselineMinutes, e.End-baselineMinutes)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	for _, k := range slices.Sorted(maps.Keys(scores)) {
		s := scores[k]
		t.Logf("%s: %s", k, s)
		assert.GreaterOrEqual(t, s.Precision(), 0.9, "%s: precision below 90%%", k)
		assert.GreaterOrEqual(t, s.Recall(), 0.9, "%s: recall below 90%%", k)
	}
	t.Logf("%d scenarios per SLO, %d replays", len(Replays(0.001)), len(jobs))
}
