package cost

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"platform/internal/plan"
)

// Status says how a resource is counted.
type Status string

// A resource is priced, free (with the reason), or unpriced (listed, so
// that nothing is silently free).
const (
	Priced   Status = "priced"
	Free     Status = "free"
	Unpriced Status = "unpriced"
)

// Line is one cost component of a resource: a quantity a month at a unit
// price.
type Line struct {
	Component string  `json:"component"`
	Quantity  float64 `json:"quantity"`
	Unit      string  `json:"unit"`
	UnitUSD   float64 `json:"unitUsd"`
	// MonthlyUSD is Quantity x UnitUSD, rounded to the cent.
	MonthlyUSD float64 `json:"monthlyUsd"`
	// Usage names the usage key the quantity comes from, when it depends
	// on traffic rather than on the program.
	Usage string `json:"usage,omitempty"`
	// Source is the price row's source page.
	Source string `json:"source"`
	// CommittedUnitUSD and CommittedMonthlyUSD are the line at the rate a
	// finance team would commit to (a 1-year no-upfront reservation or
	// Compute Savings Plan), equal to the on-demand figures when no
	// commitment applies or none is sourced.
	CommittedUnitUSD    float64 `json:"committedUnitUsd"`
	CommittedMonthlyUSD float64 `json:"committedMonthlyUsd"`
	// Commitment names the committed rate's price row and its source.
	Commitment       string `json:"commitment,omitempty"`
	CommitmentSource string `json:"commitmentSource,omitempty"`
	// CommitmentUnsourced names the committed rate that would apply but
	// has no sourced row: the line stays at on demand in the committed
	// total, and the report says so.
	CommitmentUnsourced string `json:"commitmentUnsourced,omitempty"`
}

// CommitmentGap is a commitment rate the price table lacks and the
// on-demand dollars a month it would apply to.
type CommitmentGap struct {
	Rate       string  `json:"rate"`
	MonthlyUSD float64 `json:"monthlyUsd"`
}

// Item is one resource of the plan and what it costs.
type Item struct {
	URN        string  `json:"urn"`
	Type       string  `json:"type"`
	Name       string  `json:"name"`
	Region     string  `json:"region,omitempty"`
	Status     Status  `json:"status"`
	Reason     string  `json:"reason,omitempty"`
	Lines      []Line  `json:"lines,omitempty"`
	MonthlyUSD float64 `json:"monthlyUsd"`
	// CommittedMonthlyUSD is the item with the commitments applied.
	CommittedMonthlyUSD float64 `json:"committedMonthlyUsd"`
}

// SchemaVersion is the version of the JSON report. Its field names are a
// contract (tests/cost_test.go pins them): later versions add fields,
// never rename or drop one.
const SchemaVersion = 1

// Estimate is a stack's monthly cost.
type Estimate struct {
	SchemaVersion int    `json:"schemaVersion"`
	Stack         string `json:"stack"`
	Currency      string `json:"currency"`
	// HoursPerMonth turns hourly rates into monthly ones.
	HoursPerMonth float64 `json:"hoursPerMonth"`
	Items         []Item  `json:"items"`
	// MonthlyUSD is the on-demand total.
	MonthlyUSD float64 `json:"monthlyUsd"`
	// CommittedMonthlyUSD is the total with every sourced commitment
	// bought (1-year, no upfront).
	CommittedMonthlyUSD float64 `json:"committedMonthlyUsd"`
	// CommitmentGaps are the commitment rates not sourced yet: their
	// lines count at on demand in CommittedMonthlyUSD, so it is an upper
	// bound while any gap remains.
	CommitmentGaps []CommitmentGap `json:"commitmentGaps"`
	// UsageBasedUSD is the part of the total that depends on usage.
	UsageBasedUSD float64        `json:"usageBasedUsd"`
	Counts        map[Status]int `json:"counts"`
}

// pricer builds a resource's lines.
type pricer struct {
	prices *Prices
	usage  Usage
	plan   *plan.Plan
	region string
	item   *Item
	err    []string
	// freeReason: the rule found this resource free (a gateway endpoint).
	freeReason string
}

// add prices quantity of a price row; a missing row is recorded and the
// resource becomes unpriced.
func (p *pricer) add(component, service, resource string, quantity float64, usage string) {
	row, ok := p.prices.Get(service, p.region, resource)
	if !ok {
		p.err = append(p.err, fmt.Sprintf("no price for %s %q in %s", service, resource, p.region))
		return
	}
	monthly := cents(quantity * row.USD)
	p.item.Lines = append(p.item.Lines, Line{
		Component: component, Quantity: quantity, Unit: row.Unit, UnitUSD: row.USD,
		MonthlyUSD: monthly, Usage: usage, Source: row.Source,
		CommittedUnitUSD: row.USD, CommittedMonthlyUSD: monthly,
	})
}

// hourly prices an hourly row for count units running all month.
func (p *pricer) hourly(component, service, resource string, count float64) {
	p.add(component, service, resource, count*HoursPerMonth, "")
}

// Commitment suffixes: a price row named resource+suffix is the rate of
// that commitment for the resource.
const (
	reserved1yr    = " reserved 1yr no upfront"
	savingsPlan1yr = " compute savings plan 1yr no upfront"
)

// hourlyCommitted prices an hourly row like hourly and, when the
// committed rate's row (resource+suffix) is in the table, the line's
// committed figures at that rate.
func (p *pricer) hourlyCommitted(component, service, resource string, count float64, suffix string) {
	n := len(p.item.Lines)
	p.hourly(component, service, resource, count)
	if len(p.item.Lines) == n {
		return // no on-demand row: recorded as an error
	}
	l := &p.item.Lines[n]
	if row, ok := p.prices.Get(service, p.region, resource+suffix); ok {
		l.CommittedUnitUSD, l.CommittedMonthlyUSD = row.USD, cents(l.Quantity*row.USD)
		l.Commitment, l.CommitmentSource = row.Resource, row.Source
	} else {
		l.CommitmentUnsourced = service + " " + resource + suffix + " (" + p.region + ")"
	}
}

func cents(v float64) float64 { return math.Round(v*100) / 100 }

// EstimatePlan prices every resource of a plan.
func EstimatePlan(pl *plan.Plan, prices *Prices, usage Usage) *Estimate {
	e := &Estimate{SchemaVersion: SchemaVersion, Stack: pl.Stack, Currency: "USD", HoursPerMonth: HoursPerMonth, Counts: map[Status]int{}}
	regions := map[string]string{}
	for _, r := range pl.Resources {
		if strings.HasPrefix(r.Type, "pulumi:providers:") {
			if region, _ := r.Inputs["region"].(string); region != "" {
				regions[r.URN] = region
			}
		}
	}
	for _, r := range pl.Resources {
		it := Item{URN: r.URN, Type: r.Type, Name: r.Name, Region: regions[r.Provider]}
		p := &pricer{prices: prices, usage: usage, plan: pl, region: it.Region, item: &it}
		rule, ok := rules[r.Type]
		switch {
		case !r.Custom || r.Read:
			it.Status, it.Reason = Free, "a component or a read resource: its children are priced"
		case strings.HasPrefix(r.Type, "pulumi:providers:"):
			it.Status, it.Reason = Free, "a provider"
		case strings.HasPrefix(r.Type, "kubernetes:"):
			it.Status, it.Reason = Free, "runs on the cluster's nodes, which the node groups price"
		case !ok:
			it.Status, it.Reason = Unpriced, "no pricing rule for this type yet"
		case rule.free != "":
			it.Status, it.Reason = Free, rule.free
		case rule.pending != "":
			it.Status, it.Reason = Unpriced, rule.pending
		default:
			rule.price(p, r)
			switch {
			case len(p.err) > 0:
				it.Status, it.Reason, it.Lines = Unpriced, strings.Join(p.err, "; "), nil
			case len(it.Lines) == 0 && p.freeReason != "":
				it.Status, it.Reason = Free, p.freeReason
			default:
				it.Status = Priced
			}
		}
		e.add(it)
	}
	if alb := loadBalancers(pl, prices, usage); alb != nil {
		e.add(*alb)
	}
	e.MonthlyUSD, e.CommittedMonthlyUSD, e.UsageBasedUSD = cents(e.MonthlyUSD), cents(e.CommittedMonthlyUSD), cents(e.UsageBasedUSD)
	gaps := map[string]float64{}
	for _, it := range e.Items {
		for _, l := range it.Lines {
			if l.CommitmentUnsourced != "" {
				gaps[l.CommitmentUnsourced] += l.MonthlyUSD
			}
		}
	}
	e.CommitmentGaps = []CommitmentGap{}
	for rate, usd := range gaps {
		e.CommitmentGaps = append(e.CommitmentGaps, CommitmentGap{Rate: rate, MonthlyUSD: cents(usd)})
	}
	sort.Slice(e.CommitmentGaps, func(i, j int) bool {
		if e.CommitmentGaps[i].MonthlyUSD != e.CommitmentGaps[j].MonthlyUSD {
			return e.CommitmentGaps[i].MonthlyUSD > e.CommitmentGaps[j].MonthlyUSD
		}
		return e.CommitmentGaps[i].Rate < e.CommitmentGaps[j].Rate
	})
	sort.SliceStable(e.Items, func(i, j int) bool { return e.Items[i].MonthlyUSD > e.Items[j].MonthlyUSD })
	return e
}

// add totals an item's lines and counts it in the estimate.
func (e *Estimate) add(it Item) {
	it.MonthlyUSD, it.CommittedMonthlyUSD = 0, 0
	for _, l := range it.Lines {
		it.MonthlyUSD += l.MonthlyUSD
		it.CommittedMonthlyUSD += l.CommittedMonthlyUSD
		if l.Usage != "" {
			e.UsageBasedUSD += l.MonthlyUSD
		}
	}
	it.MonthlyUSD, it.CommittedMonthlyUSD = cents(it.MonthlyUSD), cents(it.CommittedMonthlyUSD)
	e.MonthlyUSD += it.MonthlyUSD
	e.CommittedMonthlyUSD += it.CommittedMonthlyUSD
	e.Counts[it.Status]++
	e.Items = append(e.Items, it)
}

// loadBalancers are the Application Load Balancers the AWS Load Balancer
// Controller creates for the stack's Ingresses: not Pulumi resources, so
// priced as one item of the stack from usage (albCount of them, albLCU
// capacity units each on average), in the region of the cluster.
func loadBalancers(pl *plan.Plan, prices *Prices, usage Usage) *Item {
	var region string
	for _, r := range pl.Resources {
		if r.Type == "aws:eks/cluster:Cluster" {
			for _, pr := range pl.Resources {
				if pr.URN == r.Provider {
					region, _ = pr.Inputs["region"].(string)
				}
			}
		}
	}
	ingresses := 0
	for _, r := range pl.Resources {
		if r.Type == "kubernetes:networking.k8s.io/v1:Ingress" {
			ingresses++
		}
	}
	if ingresses == 0 || region == "" {
		return nil
	}
	it := Item{URN: "urn:pulumi:" + pl.Stack + "::" + pl.Project + "::aws:lb/loadBalancer:LoadBalancer::ingress-alb", Type: "aws:lb/loadBalancer:LoadBalancer",
		Name: "ingress-alb (created by the AWS Load Balancer Controller)", Region: region}
	p := &pricer{prices: prices, usage: usage, plan: pl, region: region, item: &it}
	n := usage.Get("albCount")
	p.add("load balancer hours", "ELB", "Application Load Balancer", n*HoursPerMonth, "albCount")
	p.add("capacity units", "ELB", "Application Load Balancer LCU", n*usage.Get("albLCU")*HoursPerMonth, "albLCU")
	if len(p.err) > 0 {
		it.Status, it.Reason, it.Lines = Unpriced, strings.Join(p.err, "; "), nil
		return &it
	}
	it.Status = Priced
	return &it
}
