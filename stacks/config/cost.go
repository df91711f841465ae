package config

import (
	"fmt"
	"slices"
	"sort"
)

// Cost is platform:cost: the stack's cost controls (components/finops).
// Every stack has a monthly budget; the primary stack also owns the
// account's billing settings (anomaly detection, cost allocation tags,
// the team cost category and the Cost and Usage export), which the dr
// stack shares.
type Cost struct {
	// MonthlyBudgetUsd is the stack's monthly AWS Budgets limit in USD;
	// forecasts at 80% and 100% and actual spend at 100% alert. Required:
	// `platform cost --stack NAME` estimates it.
	MonthlyBudgetUsd float64 `json:"monthlyBudgetUsd"`
	// AnomalyThresholdUsd: an anomaly whose total impact reaches it
	// alerts (primary only). Default 100.
	AnomalyThresholdUsd float64 `json:"anomalyThresholdUsd"`
	// Teams of the cost category `team`; default the services' teams.
	// Untagged or shared costs fall to `platform`.
	Teams []string `json:"teams"`
}

// DefaultAnomalyThresholdUsd alerts on an anomaly of $100 or more: about
// 3% of production's monthly estimate.
const DefaultAnomalyThresholdUsd = 100

func (c StackConfig) costWithDefaults() Cost {
	out := c.Cost
	if out.AnomalyThresholdUsd == 0 {
		out.AnomalyThresholdUsd = DefaultAnomalyThresholdUsd
	}
	if out.Teams == nil {
		for _, s := range c.Services {
			if s.Team != "" && !slices.Contains(out.Teams, s.Team) {
				out.Teams = append(out.Teams, s.Team)
			}
		}
		sort.Strings(out.Teams)
	} else {
		out.Teams = append([]string(nil), out.Teams...)
	}
	return out
}

func (c StackConfig) validateCost() []error {
	errs := c.Cost.validate()
	if c.Role == RolePrimary && len(c.Cost.Teams) == 0 {
		errs = append(errs, fieldErr("cost.teams", "the primary stack's team cost category needs at least one team: declare services (their teams are the default) or list cost.teams"))
	}
	return errs
}

func (c Cost) validate() []error {
	var errs []error
	add := func(path, format string, args ...any) { errs = append(errs, fieldErr(path, format, args...)) }
	if c.MonthlyBudgetUsd <= 0 {
		add("cost.monthlyBudgetUsd", "is required: the stack's monthly AWS budget in USD, above 0 (platform cost --stack NAME estimates the stack), got %g", c.MonthlyBudgetUsd)
	}
	if c.AnomalyThresholdUsd < 0 {
		add("cost.anomalyThresholdUsd", "must be above 0 (USD of an anomaly's total impact), got %g", c.AnomalyThresholdUsd)
	}
	seen := map[string]bool{}
	for i, t := range c.Teams {
		switch {
		case !dnsLabel.MatchString(t):
			add(fmt.Sprintf("cost.teams[%d]", i), "must be a team name (lower-case letters, digits, hyphens), got %q", t)
		case t == "platform":
			add(fmt.Sprintf("cost.teams[%d]", i), `"platform" is the category's default value (shared costs): name the teams only`)
		case seen[t]:
			add(fmt.Sprintf("cost.teams[%d]", i), "%q is listed twice", t)
		}
		seen[t] = true
	}
	return errs
}
