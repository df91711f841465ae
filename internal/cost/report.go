package cost

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteText prints the priced resources with their lines, the totals on
// demand and with commitments, and every unpriced resource.
func WriteText(w io.Writer, e *Estimate) {
	fmt.Fprintf(w, "Monthly estimate of %s (list prices; * = depends on usage; committed = 1-year no-upfront reservations and Compute Savings Plans)\n\n", e.Stack)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "resource / cost component\tquantity\tunit price\ton demand\tcommitted\t\n")
	for _, it := range e.Items {
		if it.Status != Priced {
			continue
		}
		fmt.Fprintf(tw, "%s (%s)\t\t\t%s\t%s\t\n", it.Name, ShortType(it.Type), usd(it.MonthlyUSD), usd(it.CommittedMonthlyUSD))
		for _, l := range it.Lines {
			mark := ""
			if l.Usage != "" {
				mark = " *"
			}
			fmt.Fprintf(tw, "    %s%s\t%s %s\t$%s\t%s\t%s\t\n", l.Component, mark, trimFloat(l.Quantity), l.Unit, strconv.FormatFloat(l.UnitUSD, 'f', -1, 64), usd(l.MonthlyUSD), usd(l.CommittedMonthlyUSD))
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "\nTotal: %s a month on demand (%s of it depends on usage); %s with 1-year commitments\n",
		usd(e.MonthlyUSD), usd(e.UsageBasedUSD), usd(e.CommittedMonthlyUSD))
	fmt.Fprintf(w, "%d priced, %d free, %d unpriced\n", e.Counts[Priced], e.Counts[Free], e.Counts[Unpriced])
	if g := gaps(e); len(g) > 0 {
		fmt.Fprintf(w, "\nCOMMITMENT RATES NOT SOURCED (these on-demand dollars stay on demand in the committed total, an upper bound):\n  %s\n", strings.Join(g, "\n  "))
	}
	if u := unpriced(e); len(u) > 0 {
		fmt.Fprintf(w, "\nUNPRICED (not in the total):\n  %s\n", strings.Join(u, "\n  "))
	}
}

func gaps(e *Estimate) []string {
	var out []string
	for _, g := range e.CommitmentGaps {
		out = append(out, fmt.Sprintf("%s: %s a month", g.Rate, usd(g.MonthlyUSD)))
	}
	return out
}

// WriteMarkdown prints the estimate summarised by AWS service, for a pull
// request or a report: the totals, a row per service, the unpriced.
func WriteMarkdown(w io.Writer, e *Estimate) {
	fmt.Fprintf(w, "### Monthly estimate of `%s`\n\n", e.Stack)
	fmt.Fprintf(w, "| | monthly |\n|---|---:|\n| On demand | %s |\n| With 1-year commitments | %s |\n| Of which depends on usage | %s |\n\n",
		usd(e.MonthlyUSD), usd(e.CommittedMonthlyUSD), usd(e.UsageBasedUSD))
	type group struct {
		name                string
		n                   int
		onDemand, committed float64
	}
	groups := map[string]*group{}
	for _, it := range e.Items {
		if it.Status != Priced {
			continue
		}
		name := Service(it.Type)
		g := groups[name]
		if g == nil {
			g = &group{name: name}
			groups[name] = g
		}
		g.n++
		g.onDemand += it.MonthlyUSD
		g.committed += it.CommittedMonthlyUSD
	}
	var list []*group
	for _, g := range groups {
		list = append(list, g)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].onDemand != list[j].onDemand {
			return list[i].onDemand > list[j].onDemand
		}
		return list[i].name < list[j].name
	})
	fmt.Fprintf(w, "| service | resources | on demand | committed |\n|---|---:|---:|---:|\n")
	for _, g := range list {
		fmt.Fprintf(w, "| %s | %d | %s | %s |\n", g.name, g.n, usd(cents(g.onDemand)), usd(cents(g.committed)))
	}
	fmt.Fprintf(w, "\n%d priced, %d free, %d unpriced.\n", e.Counts[Priced], e.Counts[Free], e.Counts[Unpriced])
	if g := gaps(e); len(g) > 0 {
		fmt.Fprintf(w, "\n**Commitment rates not sourced** (on demand in the committed total, an upper bound):\n\n- %s\n", strings.Join(g, "\n- "))
	}
	if u := unpriced(e); len(u) > 0 {
		fmt.Fprintf(w, "\n**Unpriced (not in the total):**\n\n- %s\n", strings.Join(u, "\n- "))
	}
}

// WriteDiffText prints a diff for a terminal.
func WriteDiffText(w io.Writer, d *Diff) {
	fmt.Fprintf(w, "Cost change of %s: %s a month on demand (%s -> %s); %s with commitments (%s -> %s)\n",
		d.Stack, signed(d.DeltaUSD), usd(d.Base.MonthlyUSD), usd(d.Head.MonthlyUSD),
		signed(d.DeltaCommittedUSD), usd(d.Base.CommittedMonthlyUSD), usd(d.Head.CommittedMonthlyUSD))
	if len(d.Changes) == 0 {
		fmt.Fprintln(w, "No resource changes cost.")
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "resource\tchange\tbase\thead\tdifference\t\n")
	for _, c := range d.Changes {
		fmt.Fprintf(tw, "%s (%s)\t%s\t%s\t%s\t%s\t\n", c.Name, ShortType(c.Type), kind(c), usd(c.BaseUSD), usd(c.HeadUSD), signed(c.DeltaUSD))
	}
	tw.Flush()
}

// WriteDiffMarkdown prints a diff as a pull-request comment: the totals
// first, the resources in a collapsed table.
func WriteDiffMarkdown(w io.Writer, d *Diff) {
	pct := ""
	if d.Base.MonthlyUSD > 0 {
		pct = fmt.Sprintf(" (%+.1f%%)", 100*d.DeltaUSD/d.Base.MonthlyUSD)
	}
	fmt.Fprintf(w, "### Cost of `%s`: %s a month%s\n\n", d.Stack, signed(d.DeltaUSD), pct)
	fmt.Fprintf(w, "| | base | this change | difference |\n|---|---:|---:|---:|\n")
	fmt.Fprintf(w, "| On demand | %s | %s | %s |\n", usd(d.Base.MonthlyUSD), usd(d.Head.MonthlyUSD), signed(d.DeltaUSD))
	fmt.Fprintf(w, "| With 1-year commitments | %s | %s | %s |\n", usd(d.Base.CommittedMonthlyUSD), usd(d.Head.CommittedMonthlyUSD), signed(d.DeltaCommittedUSD))
	fmt.Fprintf(w, "| Unpriced resources | %d | %d | %+d |\n\n", d.Base.Unpriced, d.Head.Unpriced, d.Head.Unpriced-d.Base.Unpriced)
	if len(d.Changes) == 0 {
		fmt.Fprintln(w, "No resource changes cost.")
		return
	}
	fmt.Fprintf(w, "<details><summary>%d resources change cost</summary>\n\n", len(d.Changes))
	fmt.Fprintf(w, "| resource | type | change | base | head | difference |\n|---|---|---|---:|---:|---:|\n")
	for _, c := range d.Changes {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", mdEscape(c.Name), ShortType(c.Type), kind(c), usd(c.BaseUSD), usd(c.HeadUSD), signed(c.DeltaUSD))
	}
	fmt.Fprintln(w, "\n</details>")
}

func kind(c Change) string {
	if c.HeadStatus == Unpriced && c.BaseStatus != Unpriced {
		return c.Kind + ", unpriced"
	}
	return c.Kind
}

func unpriced(e *Estimate) []string {
	var out []string
	for _, it := range e.Items {
		if it.Status == Unpriced {
			out = append(out, fmt.Sprintf("%s (%s): %s", it.Name, ShortType(it.Type), it.Reason))
		}
	}
	return out
}

// ShortType is a type token's last part: aws:rds/instance:Instance is
// Instance.
func ShortType(t string) string { return t[strings.LastIndex(t, ":")+1:] }

// Service is a type token's module: aws:rds/instance:Instance is rds.
func Service(t string) string {
	parts := strings.Split(t, ":")
	if len(parts) < 3 {
		return t
	}
	return strings.SplitN(parts[1], "/", 2)[0]
}

// usd formats dollars with thousands separators: $3,318.58.
func usd(v float64) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := fmt.Sprintf("%.2f", v)
	whole, frac := s[:len(s)-3], s[len(s)-3:]
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-$" + b.String() + frac
	}
	return "$" + b.String() + frac
}

func signed(v float64) string {
	if v > 0 {
		return "+" + usd(v)
	}
	return usd(v)
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}
