// Command replay runs Prometheus's own rule engine over a synthetic
// scenario and prints, minute by minute, the alerts that fire: the alert
// precision harness of internal/promrules labels the scenarios and scores
// what this reports. It lives in the promtool wrapper module, which
// already builds against Prometheus, so that the platform's module does
// not.
//
//	replay -scenario s.json rules.yaml [more.yaml ...]
//
// The scenario is {"minutes": N, "series": [{"series": "...", "values":
// "..."}]}, with values in promtool's expanding notation (_ for a missing
// sample). The output is {"firing": [{"minute", "alert", "labels"}]}.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/rules"
	"go.yaml.in/yaml/v3"
)

type scenario struct {
	Minutes int `json:"minutes"`
	Series  []struct {
		Series string `json:"series"`
		Values string `json:"values"`
	} `json:"series"`
}

type firing struct {
	Minute int               `json:"minute"`
	Alert  string            `json:"alert"`
	Labels map[string]string `json:"labels"`
}

func main() {
	scenarioFile := flag.String("scenario", "", "the scenario (JSON)")
	flag.Parse()
	if err := run(*scenarioFile, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "replay:", err)
		os.Exit(1)
	}
}

func run(scenarioFile string, ruleFiles []string) error {
	b, err := os.ReadFile(scenarioFile)
	if err != nil {
		return err
	}
	var sc scenario
	if err := json.Unmarshal(b, &sc); err != nil {
		return fmt.Errorf("%s: %w", scenarioFile, err)
	}
	var load strings.Builder
	load.WriteString("load 1m\n")
	for _, s := range sc.Series {
		fmt.Fprintf(&load, "  %s %s\n", s.Series, s.Values)
	}
	suite, err := promqltest.NewLazyLoader(load.String(), promqltest.LazyLoaderOpts{EnableAtModifier: true, EnableNegativeOffset: true})
	if err != nil {
		return err
	}
	defer suite.Close()
	suite.SubqueryInterval = time.Minute

	m := rules.NewManager(&rules.ManagerOptions{
		QueryFunc:    rules.EngineQueryFunc(suite.QueryEngine(), suite.Storage()),
		AppendableV2: suite.Storage(),
		Context:      context.Background(),
		NotifyFunc:   func(context.Context, string, ...*rules.Alert) {},
		Logger:       promslog.NewNopLogger(),
	})
	groupsMap, errs := m.LoadGroups(time.Minute, labels.EmptyLabels(), "", nil, false, ruleFiles...)
	if len(errs) > 0 {
		return errs[0]
	}
	// Groups run in the order of their files, as Prometheus runs them
	// (recording rules before the alerts that read them).
	order, err := groupOrder(ruleFiles)
	if err != nil {
		return err
	}
	var groups []*rules.Group
	for _, g := range groupsMap {
		groups = append(groups, g)
		for _, r := range g.AlertingRules() {
			r.SetRestored(true)
		}
	}
	sort.Slice(groups, func(i, j int) bool { return order[groups[i].Name()] < order[groups[j].Name()] })

	out := struct {
		Firing []firing `json:"firing"`
	}{Firing: []firing{}}
	start := time.Unix(0, 0).UTC()
	for minute := 0; minute <= sc.Minutes; minute++ {
		ts := start.Add(time.Duration(minute) * time.Minute)
		var evalErr error
		suite.WithSamplesTill(ts, func(err error) {
			if err != nil {
				evalErr = err
				return
			}
			for _, g := range groups {
				g.Eval(suite.Context(), ts)
				for _, r := range g.Rules() {
					if r.LastError() != nil && evalErr == nil {
						evalErr = fmt.Errorf("rule %s at minute %d: %w", r.Name(), minute, r.LastError())
					}
				}
			}
		})
		if evalErr != nil {
			return evalErr
		}
		for _, g := range groups {
			for _, r := range g.AlertingRules() {
				for _, a := range r.ActiveAlerts() {
					if a.State == rules.StateFiring {
						out.Firing = append(out.Firing, firing{Minute: minute, Alert: r.Name(), Labels: a.Labels.Map()})
					}
				}
			}
		}
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

// groupOrder numbers the rule groups in the order the files list them.
func groupOrder(files []string) (map[string]int, error) {
	order := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var doc struct {
			Groups []struct {
				Name string `yaml:"name"`
			} `yaml:"groups"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, g := range doc.Groups {
			order[g.Name] = len(order)
		}
	}
	return order, nil
}
