package policies

import (
	"fmt"
	"sort"
	"strings"
)

// Severity ranks what a violation puts at risk.
type Severity string

// Severities, lowest first.
const (
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Rank orders severities: critical first.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 0
	case High:
		return 1
	case Medium:
		return 2
	}
	return 3
}

// Enforcement is what a violation does to a deployment (CrossGuard's
// levels): mandatory blocks it, advisory warns, disabled skips the policy.
type Enforcement string

// Enforcement levels.
const (
	Mandatory Enforcement = "mandatory"
	Advisory  Enforcement = "advisory"
	Disabled  Enforcement = "disabled"
)

// Policy is one control. Exactly one of Resource and Stack is set.
type Policy struct {
	// Name is stable: waivers, configs and reports refer to it.
	Name        string
	Description string
	Severity    Severity
	// Enforcement is the default level: mandatory for security controls,
	// advisory for hygiene.
	Enforcement Enforcement
	Remediation string
	// Control is the row of shared/CONTROLS.md the policy implements.
	Control int
	// Frameworks are the references of that row (CIS, FSBP, PCI, SOC 2,
	// Checkov and Trivy ids).
	Frameworks []string
	// Types are the resource types a resource policy applies to.
	Types []string
	// Resource checks one resource of Types.
	Resource func(c *Check, r *Resource)
	// Stack checks the whole stack (controls that span resources).
	Stack func(c *Check, s *Stack)
}

// Params are the tunable values of the pack, set in the pack config.
type Params struct {
	// MinBackupRetentionDays is the least RDS backup retention (14 in
	// production, which is what the platform deploys).
	MinBackupRetentionDays int `yaml:"minBackupRetentionDays" json:"minBackupRetentionDays"`
	// MinSnapshotRetentionDays is the least ElastiCache snapshot retention.
	MinSnapshotRetentionDays int `yaml:"minSnapshotRetentionDays" json:"minSnapshotRetentionDays"`
	// AllowedPublicPorts may be open to 0.0.0.0/0 on internet-facing load
	// balancers' security groups.
	AllowedPublicPorts []int `yaml:"allowedPublicPorts" json:"allowedPublicPorts"`
	// AuditLogRetentionDays is the least retention of audit log groups.
	AuditLogRetentionDays int `yaml:"auditLogRetentionDays" json:"auditLogRetentionDays"`
	// MinKeyDeletionWindowDays is the least KMS deletion window.
	MinKeyDeletionWindowDays int `yaml:"minKeyDeletionWindowDays" json:"minKeyDeletionWindowDays"`
	// MaxSecretRotationDays is the longest secret rotation period.
	MaxSecretRotationDays int `yaml:"maxSecretRotationDays" json:"maxSecretRotationDays"`
	// MinAZs is the least number of availability zones a tier spans.
	MinAZs int `yaml:"minAZs" json:"minAZs"`
	// RequireAccountBaseline makes the stack itself hold GuardDuty,
	// CloudTrail, Config and Security Hub. Turn it off for a second stack
	// in an account whose baseline another stack owns.
	RequireAccountBaseline bool `yaml:"requireAccountBaseline" json:"requireAccountBaseline"`
	// RequireTrail makes the stack hold a CloudTrail trail. Off for a
	// stack whose region another stack's multi-region trail covers.
	RequireTrail bool `yaml:"requireTrail" json:"requireTrail"`
	// SupportedKubernetesVersions are the EKS versions still in standard
	// support.
	SupportedKubernetesVersions []string `yaml:"supportedKubernetesVersions" json:"supportedKubernetesVersions"`
}

// DefaultParams are the values the platform's success criteria set.
func DefaultParams() Params {
	return Params{
		MinBackupRetentionDays:      14,
		MinSnapshotRetentionDays:    1,
		AllowedPublicPorts:          []int{80, 443},
		AuditLogRetentionDays:       365,
		MinKeyDeletionWindowDays:    30,
		MaxSecretRotationDays:       90,
		MinAZs:                      3,
		RequireAccountBaseline:      true,
		RequireTrail:                true,
		SupportedKubernetesVersions: []string{"1.31", "1.32", "1.33", "1.34"},
	}
}

// Check collects the results of one policy.
type Check struct {
	Policy *Policy
	Params Params
	// Stack is the stack's root URN, for findings that no resource owns.
	StackURN string

	findings  []Finding
	undecided []Finding
}

// Fail records a violation on a resource (nil: the stack itself).
func (c *Check) Fail(r *Resource, format string, args ...any) {
	c.findings = append(c.findings, c.finding(r, fmt.Sprintf(format, args...)))
}

// Undecided records that a value the check needs is unknown until deploy.
func (c *Check) Undecided(r *Resource, property string) {
	c.undecided = append(c.undecided, c.finding(r, fmt.Sprintf("%s is not known until deployment; the check could not be decided", property)))
}

// Known reports whether every value is known, recording the first unknown
// one as undecided.
func (c *Check) Known(r *Resource, props map[string]Value) bool {
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if props[k].ContainsUnknown() {
			c.Undecided(r, k)
			return false
		}
	}
	return true
}

func (c *Check) finding(r *Resource, msg string) Finding {
	f := Finding{
		Policy:      c.Policy.Name,
		Severity:    c.Policy.Severity,
		Enforcement: c.Policy.Enforcement,
		Message:     msg,
		Frameworks:  c.Policy.Frameworks,
		URN:         c.StackURN,
		Type:        "pulumi:pulumi:Stack",
	}
	if r != nil {
		f.URN, f.Type, f.Name = r.URN, r.Type, r.Name
	}
	return f
}

// Stack is every resource of a stack, for stack policies.
type Stack struct {
	Resources []*Resource
	byURN     map[string]*Resource
}

// NewStack indexes resources.
func NewStack(resources []Resource) *Stack {
	s := &Stack{byURN: map[string]*Resource{}}
	for i := range resources {
		r := &resources[i]
		s.Resources = append(s.Resources, r)
		s.byURN[r.URN] = r
	}
	return s
}

// OfType returns the resources of the given types.
func (s *Stack) OfType(types ...string) []*Resource {
	var out []*Resource
	for _, r := range s.Resources {
		for _, t := range types {
			if r.Type == t {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// Referencing returns the resources of the given types whose property prop
// points at target.
func (s *Stack) Referencing(target *Resource, prop string, types ...string) []*Resource {
	var out []*Resource
	for _, r := range s.OfType(types...) {
		if r.Refers(prop, target) {
			out = append(out, r)
		}
	}
	return out
}

// ByURN returns a resource by URN.
func (s *Stack) ByURN(urn string) (*Resource, bool) {
	r, ok := s.byURN[urn]
	return r, ok
}

// registry holds every policy, in definition order.
var registry []*Policy

// register adds policies to the pack; names must be unique.
func register(ps ...*Policy) {
	registry = append(registry, ps...)
}

// All returns every policy of the pack, sorted by name.
func All() []*Policy {
	out := append([]*Policy(nil), registry...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns a policy by name.
func Lookup(name string) (*Policy, bool) {
	for _, p := range registry {
		if p.Name == name {
			return p, true
		}
	}
	return nil, false
}

// validateRegistry checks the pack's own consistency; the tests call it.
func validateRegistry() error {
	seen := map[string]bool{}
	var problems []string
	for _, p := range registry {
		switch {
		case seen[p.Name]:
			problems = append(problems, p.Name+": duplicate name")
		case (p.Resource == nil) == (p.Stack == nil):
			problems = append(problems, p.Name+": exactly one of Resource and Stack must be set")
		case p.Resource != nil && len(p.Types) == 0:
			problems = append(problems, p.Name+": a resource policy names its types")
		case p.Description == "" || p.Remediation == "" || len(p.Frameworks) == 0 || p.Control == 0:
			problems = append(problems, p.Name+": description, remediation, control and frameworks are required")
		case p.Severity.Rank() == 3 && p.Severity != Low:
			problems = append(problems, p.Name+": unknown severity "+string(p.Severity))
		case p.Enforcement != Mandatory && p.Enforcement != Advisory:
			problems = append(problems, p.Name+": default enforcement is mandatory or advisory")
		}
		seen[p.Name] = true
	}
	if len(problems) > 0 {
		return fmt.Errorf("policy registry: %s", strings.Join(problems, "; "))
	}
	return nil
}
