package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"platform/internal/cost"
)

// costCommand plans a stack offline and prints its monthly estimate.
func costCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cost", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "stack to price")
	dir := fs.String("dir", ".", "project directory")
	format := fs.String("format", "text", "text or json")
	usageFile := fs.String("usage", "", "usage file (YAML)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "platform cost: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *stack == "" {
		fmt.Fprintln(stderr, "platform cost: --stack is required")
		return 2
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "platform cost: --format must be text or json, got %q\n", *format)
		return 2
	}
	usage := cost.DefaultUsage()
	if *usageFile != "" {
		f, err := os.Open(*usageFile)
		if err != nil {
			fmt.Fprintf(stderr, "platform cost: %v\n", err)
			return 2
		}
		usage, err = cost.ReadUsage(f, *usageFile)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "platform cost: %v\n", err)
			return 2
		}
	}
	prices, err := cost.DefaultPrices()
	if err != nil {
		fmt.Fprintf(stderr, "platform cost: the embedded price table: %v\n", err)
		return 1
	}
	p, code := planStack("cost", *dir, *stack, stderr)
	if p == nil {
		return code
	}
	e := cost.EstimatePlan(p, prices, usage)
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(e); err != nil {
			fmt.Fprintf(stderr, "platform cost: %v\n", err)
			return 1
		}
		return 0
	}
	writeCost(stdout, e)
	return 0
}

// writeCost prints the priced resources with their lines, the total, and
// every unpriced resource.
func writeCost(w io.Writer, e *cost.Estimate) {
	fmt.Fprintf(w, "Monthly estimate of %s (list prices, on demand; * = depends on usage)\n\n", e.Stack)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, it := range e.Items {
		if it.Status != cost.Priced {
			continue
		}
		fmt.Fprintf(tw, "%s (%s)\t\t\t$%.2f\t\n", it.Name, shortType(it.Type), it.MonthlyUSD)
		for _, l := range it.Lines {
			mark := ""
			if l.Usage != "" {
				mark = " *"
			}
			fmt.Fprintf(tw, "    %s%s\t%s %s\t$%g\t$%.2f\t\n", l.Component, mark, trimFloat(l.Quantity), l.Unit, l.UnitUSD, l.MonthlyUSD)
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "\nTotal: $%.2f a month ($%.2f of it depends on usage)\n", e.MonthlyUSD, e.UsageBasedUSD)
	fmt.Fprintf(w, "%d priced, %d free, %d unpriced\n", e.Counts[cost.Priced], e.Counts[cost.Free], e.Counts[cost.Unpriced])
	var unpriced []string
	for _, it := range e.Items {
		if it.Status == cost.Unpriced {
			unpriced = append(unpriced, fmt.Sprintf("  %s (%s): %s", it.Name, shortType(it.Type), it.Reason))
		}
	}
	if len(unpriced) > 0 {
		fmt.Fprintf(w, "\nUNPRICED (not in the total):\n%s\n", strings.Join(unpriced, "\n"))
	}
}

func shortType(t string) string { return t[strings.LastIndex(t, ":")+1:] }

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}
