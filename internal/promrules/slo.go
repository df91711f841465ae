package promrules

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// SLO is a service level objective over event counters, in the shape of a
// sloth spec: the rules it generates carry sloth's metric names and
// labels (slo:sli_error:ratio_rate5m, slo:period_error_budget_remaining:ratio,
// sloth_id, sloth_service, sloth_slo), so dashboards made for sloth work
// on them.
type SLO struct {
	// Service and Name identify it: sloth_id is Service-Name.
	Service, Name string
	// Objective is the percentage of good events, such as 99.9.
	Objective float64
	// PeriodDays is the error budget's period; 30 by default.
	PeriodDays int
	// SLI counts the events.
	SLI SLI
	// Description says what a breach means for users.
	Description string
	// Samples turns good and bad events per minute into the increase of
	// each concrete counter series, for the generated tests: which series
	// the SLI's selectors count, and how.
	Samples func(good, bad float64) map[string]float64
}

// SLI is an events SLI: the total events counter and either the bad
// events (Errors) or the good ones (Good), as PromQL counter selectors.
type SLI struct {
	Total, Errors, Good string
}

// The SRE workbook's multi-window, multi-burn-rate alerts for a 30-day
// budget: a pair of windows fires when both burn faster than the factor.
type burnWindow struct {
	factor      float64
	long, short string
}

var (
	pageWindows   = []burnWindow{{14.4, "1h", "5m"}, {6, "6h", "30m"}}
	ticketWindows = []burnWindow{{3, "1d", "2h"}, {1, "3d", "6h"}}
	// sliWindows are the error ratios recorded; the period's is derived.
	sliWindows = []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d"}
	sloName    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
)

// ID is sloth_id.
func (s SLO) ID() string { return s.Service + "-" + s.Name }

func (s SLO) period() int {
	if s.PeriodDays == 0 {
		return 30
	}
	return s.PeriodDays
}

// Validate reports every problem with its field path.
func (s SLO) Validate() error {
	var errs []error
	at := "slos[" + s.ID() + "]"
	if !sloName.MatchString(s.Service) || !sloName.MatchString(s.Name) {
		errs = append(errs, fmt.Errorf("%s.service, name: lower-case DNS labels, got %q and %q", at, s.Service, s.Name))
	}
	if s.Objective < 90 || s.Objective >= 100 {
		errs = append(errs, fmt.Errorf("%s.objective: must be at least 90 and below 100 (a 100%% objective has no error budget to burn), got %g", at, s.Objective))
	}
	if p := s.period(); p < 7 || p > 90 {
		errs = append(errs, fmt.Errorf("%s.periodDays: 7 to 90, got %d", at, p))
	}
	if s.SLI.Total == "" || (s.SLI.Errors == "") == (s.SLI.Good == "") {
		errs = append(errs, fmt.Errorf("%s.sli: a total counter and exactly one of errors or good", at))
	}
	if s.Samples == nil {
		errs = append(errs, fmt.Errorf("%s.samples: say which series the SLI counts, for its tests", at))
	}
	return errors.Join(errs...)
}

// budget is the error budget as a ratio, without float noise (99.9 gives
// 0.001, not 0.0010000000000000009).
func (s SLO) budget() float64 { return math.Round((100-s.Objective)*1e10) / 1e12 }

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// selector matches the SLO's recorded series.
func (s SLO) selector() string {
	return fmt.Sprintf(`{sloth_id=%q, sloth_service=%q, sloth_slo=%q}`, s.ID(), s.Service, s.Name)
}

func (s SLO) labels(extra map[string]string) map[string]string {
	l := map[string]string{"sloth_id": s.ID(), "sloth_service": s.Service, "sloth_slo": s.Name}
	for k, v := range extra {
		l[k] = v
	}
	return l
}

// errorRatio is the SLI's error ratio over a window.
func (s SLO) errorRatio(window string) string {
	total := fmt.Sprintf("sum(rate(%s[%s]))", s.SLI.Total, window)
	if s.SLI.Errors != "" {
		return fmt.Sprintf("(sum(rate(%s[%s])))\n/\n(%s)", s.SLI.Errors, window, total)
	}
	return fmt.Sprintf("(%s - sum(rate(%s[%s])))\n/\n(%s)", total, s.SLI.Good, window, total)
}

// AlertName is the SLO's alert of a severity: MitaBackendAvailabilityBudgetBurn.
func (s SLO) AlertName() string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(s.Service+"-"+s.Name, func(r rune) bool { return r == '-' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String() + "BudgetBurn"
}

// Groups are the SLO's recording rules (error ratios per window, then
// its metadata) and its alerts: a page and a ticket.
func (s SLO) Groups(runbooks Runbooks) []Group {
	rec := Group{Name: "sloth-slo-sli-recordings-" + s.ID()}
	for _, w := range sliWindows {
		rec.Rules = append(rec.Rules, Rule{Record: "slo:sli_error:ratio_rate" + w, Expr: s.errorRatio(w), Labels: s.labels(map[string]string{"sloth_window": w})})
	}
	period := fmt.Sprintf("%dd", s.period())
	rec.Rules = append(rec.Rules, Rule{
		Record: "slo:sli_error:ratio_rate" + period,
		Expr: fmt.Sprintf("sum_over_time(slo:sli_error:ratio_rate5m%s[%s])\n/ ignoring (sloth_window)\ncount_over_time(slo:sli_error:ratio_rate5m%s[%s])",
			s.selector(), period, s.selector(), period),
		Labels: s.labels(map[string]string{"sloth_window": period}),
	})
	sel := s.selector()
	meta := Group{Name: "sloth-slo-meta-recordings-" + s.ID(), Rules: []Rule{
		{Record: "slo:objective:ratio", Expr: fmt.Sprintf("vector(%s)", num(1-s.budget())), Labels: s.labels(nil)},
		{Record: "slo:error_budget:ratio", Expr: fmt.Sprintf("vector(%s)", num(s.budget())), Labels: s.labels(nil)},
		{Record: "slo:time_period:days", Expr: fmt.Sprintf("vector(%d)", s.period()), Labels: s.labels(nil)},
		{Record: "slo:current_burn_rate:ratio", Expr: fmt.Sprintf("slo:sli_error:ratio_rate5m%s\n/ on(sloth_id, sloth_slo, sloth_service) group_left\nslo:error_budget:ratio%s", sel, sel), Labels: s.labels(nil)},
		{Record: "slo:period_burn_rate:ratio", Expr: fmt.Sprintf("slo:sli_error:ratio_rate%s%s\n/ on(sloth_id, sloth_slo, sloth_service) group_left\nslo:error_budget:ratio%s", period, sel, sel), Labels: s.labels(nil)},
		{Record: "slo:period_error_budget_remaining:ratio", Expr: fmt.Sprintf("1 - slo:period_burn_rate:ratio%s", sel), Labels: s.labels(nil)},
		{Record: "sloth_slo_info", Expr: "vector(1)", Labels: s.labels(map[string]string{"sloth_objective": num(s.Objective), "sloth_mode": "platform"})},
	}}
	alerts := Group{Name: "sloth-slo-alerts-" + s.ID()}
	for _, sev := range []struct {
		severity string
		windows  []burnWindow
		what     string
	}{{Page, pageWindows, "fast"}, {Ticket, ticketWindows, "slow"}} {
		var pairs []string
		for _, w := range sev.windows {
			threshold := fmt.Sprintf("(%s * %s)", num(w.factor), num(s.budget()))
			pairs = append(pairs, fmt.Sprintf("(\n  max(slo:sli_error:ratio_rate%s%s > %s) without (sloth_window)\n  and\n  max(slo:sli_error:ratio_rate%s%s > %s) without (sloth_window)\n)",
				w.short, sel, threshold, w.long, sel, threshold))
		}
		alerts.Rules = append(alerts.Rules, Rule{
			Alert: s.AlertName(),
			Expr:  strings.Join(pairs, "\nor\n"),
			Labels: map[string]string{
				"severity": sev.severity, "sloth_severity": sev.severity, "service": s.Service, "slo": s.Name,
			},
			Annotations: map[string]string{
				"summary":     fmt.Sprintf("%s %s SLO (%s%%): error budget burning %s", s.Service, s.Name, num(s.Objective), sev.what),
				"description": s.Description,
				"runbook_url": runbooks.URL("slo-budget-burn"),
			},
		})
	}
	return []Group{rec, meta, alerts}
}
