package cost

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// UsageKey is a quantity that depends on traffic, not on the program: the
// estimate takes it from the stack's usage file, or its default.
type UsageKey struct {
	Name    string
	Default float64
	Unit    string
	// Doc says what the quantity is and why the default.
	Doc string
}

// UsageKeys are every quantity a usage file may set.
var UsageKeys = []UsageKey{
	{"natGatewayGBProcessed", 100, "GB a month per NAT gateway", "traffic from the private subnets to the internet (image pulls go through the ECR endpoints, so mostly third-party APIs and package mirrors)"},
	{"interfaceEndpointGBProcessed", 20, "GB a month per interface endpoint", "traffic to ECR, STS, Secrets Manager, KMS and Logs through PrivateLink"},
	{"wafRequestsMillion", 50, "million requests a month per web ACL", "requests the WAF inspects: about 20 requests a second on average"},
	{"logGroupGBIngested", 2, "GB a month per log group", "CloudWatch Logs ingestion per group (flow logs, control plane, RDS, Lambda); Loki holds the applications' logs in S3"},
	{"bucketGBStored", 50, "GB stored per bucket (average over the month)", "objects in each bucket, all storage classes counted at Standard"},
	{"albCount", 1, "Application Load Balancers", "the API's load balancer, created by the AWS Load Balancer Controller from the alb-api ingress class, not by Pulumi"},
	{"albLCU", 2, "LCUs per load balancer on average", "new connections, active connections, bytes and rule evaluations, whichever dimension is highest"},
	{"spotDiscountPercent", 60, "percent below on-demand", "the spot group's discount: an explicit assumption until a spot price is sourced (spot prices move hourly by pool)"},
	{"secretsApiRequests10k", 50, "thousands of 10k requests a month per secret", "External Secrets refreshes each secret hourly; rotation and the forwarder read a few more"},
}

// Usage is a stack's usage quantities.
type Usage struct {
	values map[string]float64
	// Set are the keys the usage file set (the others are defaults).
	Set map[string]bool
}

// DefaultUsage has every key at its default.
func DefaultUsage() Usage {
	u := Usage{values: map[string]float64{}, Set: map[string]bool{}}
	for _, k := range UsageKeys {
		u.values[k.Name] = k.Default
	}
	return u
}

// Get is a quantity (its default when the file does not set it).
func (u Usage) Get(name string) float64 {
	v, ok := u.values[name]
	if !ok {
		panic("cost: unknown usage key " + name) // a rule names a key UsageKeys lacks: a programming error
	}
	return v
}

// ReadUsage reads a usage file: YAML, `usage:` mapping keys of UsageKeys
// to non-negative numbers. An unknown key, a negative or non-numeric
// quantity is an error naming the key and the fix.
func ReadUsage(r io.Reader, name string) (Usage, error) {
	var doc struct {
		Usage map[string]any `yaml:"usage"`
	}
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return Usage{}, fmt.Errorf("%s: %w (the file is `usage:` with a quantity per key)", name, err)
	}
	u := DefaultUsage()
	known := map[string]bool{}
	for _, k := range UsageKeys {
		known[k.Name] = true
	}
	var errs []error
	for _, key := range slices.Sorted(maps.Keys(doc.Usage)) {
		v := doc.Usage[key]
		if !known[key] {
			errs = append(errs, fmt.Errorf("%s: usage.%s: not a usage key; the keys are %s", name, key, strings.Join(keyNames(), ", ")))
			continue
		}
		var n float64
		switch x := v.(type) {
		case int:
			n = float64(x)
		case float64:
			n = x
		default:
			errs = append(errs, fmt.Errorf("%s: usage.%s: a number, got %v", name, key, v))
			continue
		}
		if n < 0 {
			errs = append(errs, fmt.Errorf("%s: usage.%s: a quantity cannot be negative, got %g", name, key, n))
			continue
		}
		if key == "spotDiscountPercent" && n >= 100 {
			errs = append(errs, fmt.Errorf("%s: usage.%s: a discount below 100 percent, got %g", name, key, n))
			continue
		}
		u.values[key], u.Set[key] = n, true
	}
	if len(errs) > 0 {
		return Usage{}, errors.Join(errs...)
	}
	return u, nil
}

func keyNames() []string {
	var out []string
	for _, k := range UsageKeys {
		out = append(out, k.Name)
	}
	return out
}
