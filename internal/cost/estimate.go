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
}

// Estimate is a stack's monthly cost.
type Estimate struct {
	Stack      string  `json:"stack"`
	Items      []Item  `json:"items"`
	MonthlyUSD float64 `json:"monthlyUsd"`
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
	p.item.Lines = append(p.item.Lines, Line{
		Component: component, Quantity: quantity, Unit: row.Unit, UnitUSD: row.USD,
		MonthlyUSD: cents(quantity * row.USD), Usage: usage, Source: row.Source,
	})
}

// hourly prices an hourly row for count units running all month.
func (p *pricer) hourly(component, service, resource string, count float64) {
	p.add(component, service, resource, count*HoursPerMonth, "")
}

func cents(v float64) float64 { return math.Round(v*100) / 100 }

// EstimatePlan prices every resource of a plan.
func EstimatePlan(pl *plan.Plan, prices *Prices, usage Usage) *Estimate {
	e := &Estimate{Stack: pl.Stack, Counts: map[Status]int{}}
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
		for _, l := range it.Lines {
			it.MonthlyUSD += l.MonthlyUSD
			if l.Usage != "" {
				e.UsageBasedUSD += l.MonthlyUSD
			}
		}
		it.MonthlyUSD = cents(it.MonthlyUSD)
		e.MonthlyUSD += it.MonthlyUSD
		e.Counts[it.Status]++
		e.Items = append(e.Items, it)
	}
	if alb := loadBalancers(pl, prices, usage); alb != nil {
		e.Items = append(e.Items, *alb)
		e.Counts[alb.Status]++
		e.MonthlyUSD += alb.MonthlyUSD
		for _, l := range alb.Lines {
			e.UsageBasedUSD += l.MonthlyUSD
		}
	}
	e.MonthlyUSD, e.UsageBasedUSD = cents(e.MonthlyUSD), cents(e.UsageBasedUSD)
	sort.SliceStable(e.Items, func(i, j int) bool { return e.Items[i].MonthlyUSD > e.Items[j].MonthlyUSD })
	return e
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
	for _, l := range it.Lines {
		it.MonthlyUSD += l.MonthlyUSD
	}
	it.MonthlyUSD = cents(it.MonthlyUSD)
	return &it
}
