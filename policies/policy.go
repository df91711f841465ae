package policies

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// PackName and PackVersion identify the pack in the Pulumi CLI (the
// CrossGuard pack) and in compliance reports. Raise the version when a
// policy's verdicts can change.
const (
	PackName    = "platform-security"
	PackVersion = "0.2.0"
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
	// Types are the resource types a resource policy applies to, or the
	// kinds a stack policy judges: a stack with none of them, where the
	// policy finds nothing, is one the policy does not apply to (a
	// compliance report says "not applicable", never "pass").
	Types []string
	// Resource checks one resource of Types.
	Resource func(c *Check, r *Resource)
	// Stack checks the whole stack (controls that span resources).
	Stack func(c *Check, s *Stack)
}

// Params are the tunable values of the pack, set in the pack config. The
// defaults are the thresholds of the control catalog (shared/CONTROLS.md);
// the pack config may raise them, for all stacks or for one project's
// stack, never lower them.
type Params struct {
	// MinBackupRetentionDays is the least RDS backup retention (catalog
	// row 25: 7 days; 14 in production).
	MinBackupRetentionDays int `yaml:"minBackupRetentionDays" json:"minBackupRetentionDays"`
	// MinSnapshotRetentionDays is the least ElastiCache snapshot retention
	// (row 39: 1 day).
	MinSnapshotRetentionDays int `yaml:"minSnapshotRetentionDays" json:"minSnapshotRetentionDays"`
	// AllowedPublicPorts may be open to 0.0.0.0/0 on internet-facing load
	// balancers' security groups.
	AllowedPublicPorts []int `yaml:"allowedPublicPorts" json:"allowedPublicPorts"`
	// AuditLogRetentionDays is the least retention of audit log groups
	// (row 59: 365 days).
	AuditLogRetentionDays int `yaml:"auditLogRetentionDays" json:"auditLogRetentionDays"`
	// MinKeyDeletionWindowDays is the least KMS deletion window (row 12:
	// 7 days; 30 in production).
	MinKeyDeletionWindowDays int `yaml:"minKeyDeletionWindowDays" json:"minKeyDeletionWindowDays"`
	// MaxSecretRotationDays is the longest secret rotation period (row 61:
	// 90 days).
	MaxSecretRotationDays int `yaml:"maxSecretRotationDays" json:"maxSecretRotationDays"`
	// MinAZs is the least number of availability zones a tier spans (row
	// 9: 3).
	MinAZs int `yaml:"minAZs" json:"minAZs"`
	// RequireAccountBaseline makes the stack hold the account-level
	// controls: GuardDuty, AWS Config and Security Hub. Only the stack that
	// holds an account's baseline has them; any other program's preview
	// is not failed for lacking them, and the report says they were not
	// applied.
	RequireAccountBaseline bool `yaml:"requireAccountBaseline" json:"requireAccountBaseline"`
	// RequireTrail makes the stack hold a multi-region CloudTrail trail
	// (the stack that holds the account's trail).
	RequireTrail bool `yaml:"requireTrail" json:"requireTrail"`
	// KubernetesStandardSupportEnds maps each EKS Kubernetes version to the
	// last day of its standard support (YYYY-MM-DD).
	KubernetesStandardSupportEnds map[string]string `yaml:"kubernetesStandardSupportEnds" json:"kubernetesStandardSupportEnds"`
	// ClusterAdminPrincipals are the principals that may hold EKS
	// cluster-admin: path.Match patterns over a principal's ARN, or the
	// URN or logical name of the role it comes from. Empty: nobody.
	ClusterAdminPrincipals []string `yaml:"clusterAdminPrincipals" json:"clusterAdminPrincipals,omitempty"`
	// AsOf is the day (YYYY-MM-DD) support dates are judged on; empty
	// means the day of the check. Tests and reproducible reports set it.
	AsOf string `yaml:"asOf" json:"asOf,omitempty"`
}

// KubernetesSupportWarningDays is how long before the end of standard
// support a cluster's version is warned about.
const KubernetesSupportWarningDays = 90

// DefaultParams are the control catalog's thresholds.
func DefaultParams() Params {
	return Params{
		MinBackupRetentionDays:   7,
		MinSnapshotRetentionDays: 1,
		AllowedPublicPorts:       []int{80, 443},
		AuditLogRetentionDays:    365,
		MinKeyDeletionWindowDays: 7,
		MaxSecretRotationDays:    90,
		MinAZs:                   3,
		// EKS's published end of standard support per version.
		KubernetesStandardSupportEnds: map[string]string{
			"1.33": "2026-07-29",
			"1.34": "2026-12-02",
			"1.35": "2027-03-27",
			"1.36": "2027-08-02",
		},
	}
}

// Check collects the results of one policy.
type Check struct {
	Policy *Policy
	Params Params
	// Now is the time of the check; Params.AsOf overrides its day.
	Now time.Time
	// Stack is the stack's root URN, for findings that no resource owns.
	StackURN string

	findings  []Finding
	undecided []Finding
}

// Fail records a violation on a resource (nil: the stack itself).
func (c *Check) Fail(r *Resource, format string, args ...any) {
	c.findings = append(c.findings, c.finding(r, fmt.Sprintf(format, args...)))
}

// opaqueFindingsUndecided turns a stack policy's findings on resources
// the view holds nothing of (Opaque) into undecided: their absence of
// evidence is not evidence of a violation.
func (c *Check) opaqueFindingsUndecided() {
	kept := c.findings[:0]
	for _, f := range c.findings {
		if f.opaque {
			f.Message = "the resource's state is not in this view (in a preview, its provider is not configured yet); the check could not be decided"
			c.undecided = append(c.undecided, f)
			continue
		}
		kept = append(kept, f)
	}
	c.findings = kept
}

// AsOf is the day dates are judged on: Params.AsOf, else the check's day.
func (c *Check) AsOf() time.Time {
	if t, err := time.Parse(time.DateOnly, c.Params.AsOf); err == nil {
		return t
	}
	now := c.Now
	if now.IsZero() {
		now = time.Now()
	}
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
}

// Warn records an advisory finding on a resource, whatever the policy's
// level: a risk that is not yet a violation (support ending soon).
func (c *Check) Warn(r *Resource, format string, args ...any) {
	f := c.finding(r, fmt.Sprintf(format, args...))
	f.warning = true
	c.findings = append(c.findings, f)
}

// Undecided records that a value the check needs is unknown until deploy.
func (c *Check) Undecided(r *Resource, property string) {
	c.undecidedBecause(r, fmt.Sprintf("%s is not known until deployment; the check could not be decided", property))
}

func (c *Check) undecidedBecause(r *Resource, msg string) {
	c.undecided = append(c.undecided, c.finding(r, msg))
}

// Missing records that r has no companion of the given types pointing at
// it through prop: a violation, unless the stack cannot tell (Unresolved),
// which is undecided. A preview keeps ids unknown; the engine records
// property dependencies, which decide, but a preview printed without them
// must not turn an unknown reference into a violation.
func (c *Check) Missing(s *Stack, r *Resource, prop string, types []string, format string, args ...any) {
	if s.Partial {
		c.undecidedBecause(r, fmt.Sprintf("no %s of it is in this preview, which lists only what changes (pulumi preview --json --show-sames lists every resource)", shortType(types[0])))
		return
	}
	if t, ok := s.Unresolved(prop, types...); ok {
		c.Undecided(r, fmt.Sprintf("which %s points at it (%s)", shortType(t), prop))
		return
	}
	c.Fail(r, format, args...)
}

// Absent records that the stack lacks something it must hold: a
// violation on the stack, or undecided when the view is partial.
func (c *Check) Absent(s *Stack, format string, args ...any) {
	if s.Partial {
		c.undecidedBecause(nil, fmt.Sprintf(format, args...)+" in this preview, which lists only what changes (pulumi preview --json --show-sames lists every resource)")
		return
	}
	c.Fail(nil, format, args...)
}

// shortType is the last part of a type token: BucketPublicAccessBlock.
func shortType(t string) string { return t[strings.LastIndex(t, ":")+1:] }

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
		f.opaque = r.Opaque()
	}
	return f
}

// Stack is every resource of a stack, for stack policies. It indexes the
// resources once (by URN, by type, and lazily by every value a reference
// can match), so that a policy's look-ups cost time in proportion to what
// they return, not to the size of the stack.
type Stack struct {
	Resources []*Resource
	// Partial marks a view that lists only some of the stack's resources
	// (a plain update preview): what is not in it may still exist.
	Partial bool
	byURN   map[string]*Resource
	byType  map[string][]*Resource
	pos     map[*Resource]int
	// refs indexes, per (type, property), the resources of that type by
	// what their property points at: property-dependency URNs (prefixed
	// with urnKey) and string values with each of their ":" suffixes.
	refs map[refKey]map[string][]*Resource
	// ids indexes, per type, resources by URN (prefixed) and identifiers.
	ids        map[string]map[string][]*Resource
	unresolved map[string]string
	memo       map[string]any
}

type refKey struct{ typ, prop string }

// urnKey prefixes URN keys, so a value that happens to spell a URN never
// matches a property dependency.
const urnKey = "\x00"

// NewStack indexes resources.
func NewStack(resources []Resource) *Stack {
	s := &Stack{
		byURN: make(map[string]*Resource, len(resources)), byType: map[string][]*Resource{},
		pos: make(map[*Resource]int, len(resources)), refs: map[refKey]map[string][]*Resource{},
		ids: map[string]map[string][]*Resource{}, unresolved: map[string]string{}, memo: map[string]any{},
	}
	s.Resources = make([]*Resource, 0, len(resources))
	for i := range resources {
		r := &resources[i]
		s.Resources = append(s.Resources, r)
		s.byURN[r.URN] = r
		s.byType[r.Type] = append(s.byType[r.Type], r)
		s.pos[r] = i
	}
	return s
}

// OfType returns the resources of the given types, in stack order.
func (s *Stack) OfType(types ...string) []*Resource {
	if len(types) == 1 {
		return slices.Clip(s.byType[types[0]]) // an append copies
	}
	var out []*Resource
	for _, t := range dedupe(types) {
		out = append(out, s.byType[t]...)
	}
	s.order(out)
	return out
}

func dedupe(types []string) []string {
	out := make([]string, 0, len(types))
	for _, t := range types {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// order sorts resources into stack order.
func (s *Stack) order(rs []*Resource) {
	sort.Slice(rs, func(i, j int) bool { return s.pos[rs[i]] < s.pos[rs[j]] })
}

// referenceKeys are the keys under which r's property prop points at
// something: its property dependencies, and each string value with each
// suffix after a ":" (an ARN ending in a name or id). Resource.Refers
// matches exactly these.
func referenceKeys(r *Resource, prop string) []string {
	var keys []string
	for _, urn := range r.PropertyDependencies[prop] {
		keys = append(keys, urnKey+urn)
	}
	for _, v := range r.Get(prop).List() {
		str, ok := v.(string)
		if !ok {
			continue
		}
		keys = append(keys, str)
		for i := 0; i < len(str); i++ {
			if str[i] == ':' {
				keys = append(keys, str[i+1:])
			}
		}
	}
	return keys
}

// targetKeys are the keys under which a resource is pointed at.
func targetKeys(r *Resource) []string {
	return append([]string{urnKey + r.URN}, r.Identifiers()...)
}

func (s *Stack) refIndex(typ, prop string) map[string][]*Resource {
	k := refKey{typ, prop}
	idx, ok := s.refs[k]
	if !ok {
		idx = map[string][]*Resource{}
		for _, r := range s.byType[typ] {
			for _, key := range referenceKeys(r, prop) {
				idx[key] = append(idx[key], r)
			}
		}
		s.refs[k] = idx
	}
	return idx
}

func (s *Stack) idIndex(typ string) map[string][]*Resource {
	idx, ok := s.ids[typ]
	if !ok {
		idx = map[string][]*Resource{}
		for _, r := range s.byType[typ] {
			for _, key := range targetKeys(r) {
				idx[key] = append(idx[key], r)
			}
		}
		s.ids[typ] = idx
	}
	return idx
}

// collect gathers the resources under keys of idx, once each.
func collect(out []*Resource, seen map[*Resource]bool, idx map[string][]*Resource, keys []string) []*Resource {
	for _, k := range keys {
		for _, r := range idx[k] {
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	return out
}

// Referencing returns the resources of the given types whose property prop
// points at target (Resource.Refers), in stack order.
func (s *Stack) Referencing(target *Resource, prop string, types ...string) []*Resource {
	var out []*Resource
	seen := map[*Resource]bool{}
	keys := targetKeys(target)
	for _, t := range dedupe(types) {
		out = collect(out, seen, s.refIndex(t, prop), keys)
	}
	s.order(out)
	return out
}

// Targets returns the resources of the given types that r's property prop
// points at (Resource.Refers), in stack order.
func (s *Stack) Targets(r *Resource, prop string, types ...string) []*Resource {
	var out []*Resource
	seen := map[*Resource]bool{}
	keys := referenceKeys(r, prop)
	for _, t := range dedupe(types) {
		out = collect(out, seen, s.idIndex(t), keys)
	}
	s.order(out)
	return out
}

// Memo computes a stack-wide value once per stack (a policy's own index).
func (s *Stack) Memo(key string, compute func() any) any {
	v, ok := s.memo[key]
	if !ok {
		v = compute()
		s.memo[key] = v
	}
	return v
}

// Unresolved reports whether some resource of the given types may point
// somewhere through prop without the view saying where: its value is
// unknown and no property dependency is recorded for it. It returns the
// first such resource's type.
func (s *Stack) Unresolved(prop string, types ...string) (string, bool) {
	key := prop + "\x00" + strings.Join(types, "\x00")
	if t, ok := s.unresolved[key]; ok {
		return t, t != ""
	}
	found := ""
	for _, r := range s.OfType(types...) {
		if r.Opaque() {
			found = r.Type
			break
		}
		if _, recorded := r.PropertyDependencies[prop]; recorded {
			continue
		}
		if r.Get(prop).ContainsUnknown() {
			found = r.Type
			break
		}
	}
	s.unresolved[key] = found
	return found, found != ""
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
		case len(p.Types) == 0:
			problems = append(problems, p.Name+": a policy names the types it judges")
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
