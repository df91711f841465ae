package cost

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
)

// Change is one resource whose monthly cost differs between two
// estimates, or that appears or goes without a price.
type Change struct {
	URN  string `json:"urn"`
	Type string `json:"type"`
	Name string `json:"name"`
	// Kind is added, removed or changed.
	Kind       string  `json:"kind"`
	BaseStatus Status  `json:"baseStatus,omitempty"`
	HeadStatus Status  `json:"headStatus,omitempty"`
	BaseUSD    float64 `json:"baseMonthlyUsd"`
	HeadUSD    float64 `json:"headMonthlyUsd"`
	DeltaUSD   float64 `json:"deltaMonthlyUsd"`
	// The same with commitments applied.
	BaseCommittedUSD  float64 `json:"baseCommittedMonthlyUsd"`
	HeadCommittedUSD  float64 `json:"headCommittedMonthlyUsd"`
	DeltaCommittedUSD float64 `json:"deltaCommittedMonthlyUsd"`
}

// Totals are one side of a diff.
type Totals struct {
	MonthlyUSD          float64 `json:"monthlyUsd"`
	CommittedMonthlyUSD float64 `json:"committedMonthlyUsd"`
	Unpriced            int     `json:"unpriced"`
	Resources           int     `json:"resources"`
}

// Diff is the monthly difference between a base and a head estimate of
// the same stack: what a pull request changes.
type Diff struct {
	SchemaVersion     int      `json:"schemaVersion"`
	Stack             string   `json:"stack"`
	Base              Totals   `json:"base"`
	Head              Totals   `json:"head"`
	DeltaUSD          float64  `json:"deltaMonthlyUsd"`
	DeltaCommittedUSD float64  `json:"deltaCommittedMonthlyUsd"`
	Changes           []Change `json:"changes"`
}

func totals(e *Estimate) Totals {
	return Totals{MonthlyUSD: e.MonthlyUSD, CommittedMonthlyUSD: e.CommittedMonthlyUSD, Unpriced: e.Counts[Unpriced], Resources: len(e.Items)}
}

// DiffEstimates compares two estimates resource by resource (by URN). A
// resource is listed when its cost changes, when it is added or removed
// with a cost, or when it is added or left without a price: a reviewer
// sees every dollar and every resource the estimate cannot price.
func DiffEstimates(base, head *Estimate) *Diff {
	d := &Diff{SchemaVersion: SchemaVersion, Stack: head.Stack, Base: totals(base), Head: totals(head), Changes: []Change{}}
	d.DeltaUSD = cents(head.MonthlyUSD - base.MonthlyUSD)
	d.DeltaCommittedUSD = cents(head.CommittedMonthlyUSD - base.CommittedMonthlyUSD)
	before := map[string]Item{}
	for _, it := range base.Items {
		before[it.URN] = it
	}
	seen := map[string]bool{}
	for _, h := range head.Items {
		seen[h.URN] = true
		c := Change{URN: h.URN, Type: h.Type, Name: h.Name, HeadStatus: h.Status, HeadUSD: h.MonthlyUSD, HeadCommittedUSD: h.CommittedMonthlyUSD}
		b, ok := before[h.URN]
		if ok {
			c.Kind, c.BaseStatus, c.BaseUSD, c.BaseCommittedUSD = "changed", b.Status, b.MonthlyUSD, b.CommittedMonthlyUSD
		} else {
			c.Kind = "added"
		}
		c.DeltaUSD, c.DeltaCommittedUSD = cents(c.HeadUSD-c.BaseUSD), cents(c.HeadCommittedUSD-c.BaseCommittedUSD)
		newlyUnpriced := h.Status == Unpriced && (!ok || b.Status != Unpriced)
		if c.DeltaUSD != 0 || c.DeltaCommittedUSD != 0 || newlyUnpriced {
			d.Changes = append(d.Changes, c)
		}
	}
	for _, b := range base.Items {
		if seen[b.URN] || (b.MonthlyUSD == 0 && b.CommittedMonthlyUSD == 0) {
			continue
		}
		d.Changes = append(d.Changes, Change{URN: b.URN, Type: b.Type, Name: b.Name, Kind: "removed", BaseStatus: b.Status,
			BaseUSD: b.MonthlyUSD, BaseCommittedUSD: b.CommittedMonthlyUSD,
			DeltaUSD: -b.MonthlyUSD, DeltaCommittedUSD: -b.CommittedMonthlyUSD})
	}
	sort.SliceStable(d.Changes, func(i, j int) bool {
		if a, b := math.Abs(d.Changes[i].DeltaUSD), math.Abs(d.Changes[j].DeltaUSD); a != b {
			return a > b
		}
		return d.Changes[i].URN < d.Changes[j].URN
	})
	return d
}

// ReadEstimate reads a report of `platform cost --format json`: the base
// of a diff. A report of another schema version, or one without items,
// is refused with the reason.
func ReadEstimate(r io.Reader, name string) (*Estimate, error) {
	var e Estimate
	dec := json.NewDecoder(r)
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("%s: not a cost report (platform cost --format json): %v", name, err)
	}
	if e.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("%s: schemaVersion %d, this platform reads %d: regenerate it with this version's platform cost --format json", name, e.SchemaVersion, SchemaVersion)
	}
	if e.Stack == "" || e.Items == nil {
		return nil, fmt.Errorf("%s: a cost report names its stack and lists its items", name)
	}
	if e.Counts == nil {
		e.Counts = map[Status]int{}
	}
	return &e, nil
}
