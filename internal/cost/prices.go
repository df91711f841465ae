// Package cost estimates what a planned stack costs a month: every
// resource of the offline plan is priced with cost components (the way
// Infracost models Terraform resources), marked free with the reason, or
// listed as unpriced. Prices are AWS list prices embedded in the binary
// (prices.csv, each row with its source and date: PRICES.md); quantities
// that depend on traffic come from a usage file with documented defaults.
package cost

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// HoursPerMonth turns hourly prices into monthly ones (AWS's convention).
const HoursPerMonth = 730

//go:embed prices.csv
var embeddedPrices []byte

// Price is one row of the price table.
type Price struct {
	Service, Region, Resource, Unit string
	USD                             float64
	Notes, Source, AsOf             string
}

// Prices is the price table, by service, region and resource.
type Prices struct {
	rows map[priceKey]Price
}

type priceKey struct{ service, region, resource string }

var (
	// asOf is the date a source states: a day, a month or a year, or
	// "undated" when the page states none (PRICES.md lists those rows).
	asOf = regexp.MustCompile(`^([0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?|undated)$`)
	// units are the billing units the table may use (PRICES.md).
	units = map[string]bool{
		"hour": true, "GB-month": true, "IOPS-month": true, "MBps-month": true, "GB": true, "GB-processed": true,
		"LCU-hour": true, "AZ-hour": true, "request-1k": true, "request-10k": true, "request-million": true,
		"event-100k": true, "event-million": true, "acl-month": true, "rule-month": true, "key-month": true,
		"secret-month": true, "metric-month": true, "alarm-month": true, "dashboard-month": true, "canary-run": true,
		"configuration-item": true, "rule-evaluation": true, "security-check": true, "vCPU-month": true,
		"hosted-zone-month": true, "health-check-month": true, "certificate": true, "budget-day": true, "month": true,
		"GB-second": true, "image": true, "action-minute": true,
	}
	header = []string{"service", "region", "resource", "unit", "usd_per_unit", "notes", "source_url", "as_of"}
)

// DefaultPrices is the embedded table.
func DefaultPrices() (*Prices, error) {
	return LoadPrices(bytes.NewReader(embeddedPrices), "prices.csv")
}

// LoadPrices reads a price table and refuses a row without a source URL
// and a date, with a price that is not a non-negative number, in an
// unknown unit, or repeated; every problem is reported with its line.
func LoadPrices(r io.Reader, name string) (*Prices, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(header)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if strings.Join(head, ",") != strings.Join(header, ",") {
		return nil, fmt.Errorf("%s line 1: the columns must be %s, got %s", name, strings.Join(header, ","), strings.Join(head, ","))
	}
	p := &Prices{rows: map[priceKey]Price{}}
	var errs []error
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		at := fmt.Sprintf("%s line %d", name, line)
		row := Price{Service: rec[0], Region: rec[1], Resource: rec[2], Unit: rec[3], Notes: rec[5], Source: rec[6], AsOf: rec[7]}
		usd, perr := strconv.ParseFloat(rec[4], 64)
		switch {
		case perr != nil || usd < 0:
			errs = append(errs, fmt.Errorf("%s: usd_per_unit: a non-negative number, got %q", at, rec[4]))
		default:
			row.USD = usd
		}
		if u, err := url.Parse(row.Source); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s: source_url: every price names the page it was read from (an http(s) URL), got %q for %s %s", at, row.Source, row.Service, row.Resource))
		}
		if !asOf.MatchString(row.AsOf) {
			errs = append(errs, fmt.Errorf("%s: as_of: the date the source states (YYYY-MM-DD, YYYY-MM or YYYY; undated when it states none), got %q", at, row.AsOf))
		}
		if !units[row.Unit] {
			errs = append(errs, fmt.Errorf("%s: unit: %q is not a billing unit of PRICES.md", at, row.Unit))
		}
		if row.Service == "" || row.Region == "" || row.Resource == "" {
			errs = append(errs, fmt.Errorf("%s: service, region and resource are required", at))
		}
		k := priceKey{row.Service, row.Region, row.Resource}
		if _, dup := p.rows[k]; dup {
			errs = append(errs, fmt.Errorf("%s: %s %s %s is priced twice", at, row.Service, row.Region, row.Resource))
		}
		p.rows[k] = row
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

// Get is the price of a resource of a service in a region.
func (p *Prices) Get(service, region, resource string) (Price, bool) {
	row, ok := p.rows[priceKey{service, region, resource}]
	return row, ok
}

// Len is the number of rows.
func (p *Prices) Len() int { return len(p.rows) }
