package policies

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the pack config file (policies/pack.yaml): enforcement per
// policy, parameters, and waivers.
type Config struct {
	// Enforcement overrides a policy's default level.
	Enforcement map[string]Enforcement `yaml:"enforcement"`
	// Params override DefaultParams field by field.
	Params Params `yaml:"params"`
	// Waivers exempt named resources from a policy, with a reason, an
	// expiry date and an approver.
	Waivers []Waiver `yaml:"waivers"`
	// Stacks raise params for one stack of one project, keyed
	// project/stack, field by field: the stack that holds the account
	// baseline requires it; production stacks keep longer backups.
	Stacks map[string]yaml.Node `yaml:"stacks"`

	stackParams map[string]Params
}

// ParamsFor returns the params in force for a project's stack.
func (c *Config) ParamsFor(project, stack string) Params {
	if p, ok := c.stackParams[project+"/"+stack]; ok {
		return p
	}
	return c.Params
}

// paramNotes says how the config applied to a project's stack: what the
// catalog's thresholds were raised to, and the account-level controls
// that were not required of it.
func (c *Config) paramNotes(project, stack string) []string {
	key := project + "/" + stack
	p := c.ParamsFor(project, stack)
	source := "pack config params"
	if _, ok := c.stackParams[key]; ok {
		source = "pack config stacks." + key
	}
	var notes []string
	catalog := DefaultParams()
	for _, t := range thresholds(&p, &catalog) {
		if *t.value != *t.catalog {
			notes = append(notes, fmt.Sprintf("%s is %d for %s (%s; the control catalog's threshold is %d)", t.name, *t.value, key, source, *t.catalog))
		}
	}
	if !p.RequireAccountBaseline {
		notes = append(notes, fmt.Sprintf("account-level controls not applied to %s: GuardDuty, AWS Config and Security Hub are not required of it, only judged where it has them; set stacks.%s.requireAccountBaseline for the stack that holds the account's baseline", key, key))
	}
	if !p.RequireTrail {
		notes = append(notes, fmt.Sprintf("the multi-region CloudTrail trail is not required of %s (stacks.%s.requireTrail is not set)", key, key))
	}
	return notes
}

// threshold is one numeric param, its catalog value, and which way it may
// be moved (raised for a minimum, lowered for a maximum).
type threshold struct {
	name           string
	value, catalog *int
	maximum        bool
	row            int
}

func thresholds(p, catalog *Params) []threshold {
	return []threshold{
		{"minBackupRetentionDays", &p.MinBackupRetentionDays, &catalog.MinBackupRetentionDays, false, 25},
		{"minSnapshotRetentionDays", &p.MinSnapshotRetentionDays, &catalog.MinSnapshotRetentionDays, false, 39},
		{"auditLogRetentionDays", &p.AuditLogRetentionDays, &catalog.AuditLogRetentionDays, false, 59},
		{"minKeyDeletionWindowDays", &p.MinKeyDeletionWindowDays, &catalog.MinKeyDeletionWindowDays, false, 12},
		{"maxSecretRotationDays", &p.MaxSecretRotationDays, &catalog.MaxSecretRotationDays, true, 61},
		{"minAZs", &p.MinAZs, &catalog.MinAZs, false, 9},
	}
}

// validateParams reports params weaker than the catalog and dates that do
// not parse; at names the place in the config.
func validateParams(p Params, at string) []string {
	var problems []string
	catalog := DefaultParams()
	for _, t := range thresholds(&p, &catalog) {
		if (!t.maximum && *t.value < *t.catalog) || (t.maximum && *t.value > *t.catalog) {
			problems = append(problems, fmt.Sprintf("%s.%s: %d is weaker than the control catalog's %d (shared/CONTROLS.md row %d): the pack config may only tighten a threshold", at, t.name, *t.value, *t.catalog, t.row))
		}
	}
	for version, end := range p.KubernetesStandardSupportEnds {
		if _, err := time.Parse(time.DateOnly, end); err != nil {
			problems = append(problems, fmt.Sprintf("%s.kubernetesStandardSupportEnds.%s: must be a date YYYY-MM-DD, got %q", at, version, end))
		}
	}
	if p.AsOf != "" {
		if _, err := time.Parse(time.DateOnly, p.AsOf); err != nil {
			problems = append(problems, fmt.Sprintf("%s.asOf: must be a date YYYY-MM-DD, got %q", at, p.AsOf))
		}
	}
	return problems
}

// Waiver is an explicit, auditable exemption.
type Waiver struct {
	// Policy is the waived policy's name.
	Policy string `yaml:"policy" json:"policy"`
	// Resources are patterns matched against the URN and the logical name
	// (path.Match syntax: * matches within a segment, so use *name* or a
	// full URN). A stack-level finding matches the stack's URN.
	Resources []string `yaml:"resources" json:"resources"`
	// Stacks limits the waiver to these stacks; empty means every stack.
	Stacks []string `yaml:"stacks" json:"stacks,omitempty"`
	// Reason says why the risk is accepted.
	Reason string `yaml:"reason" json:"reason"`
	// Expires is the last day (YYYY-MM-DD) the waiver holds.
	Expires string `yaml:"expires" json:"expires"`
	// ApprovedBy names who accepted the risk.
	ApprovedBy string `yaml:"approvedBy" json:"approvedBy"`

	expires time.Time
}

// packYAML is the platform's own pack config, embedded so the CrossGuard
// pack and `platform check` enforce the same file.
//
//go:embed pack.yaml
var packYAML []byte

// PlatformConfig returns the embedded policies/pack.yaml.
func PlatformConfig() (*Config, error) { return ParseConfig(packYAML, "policies/pack.yaml") }

// LoadConfig reads a pack config file. An empty path means the platform's
// own policies/pack.yaml.
func LoadConfig(file string) (*Config, error) {
	if file == "" {
		return PlatformConfig()
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("pack config: %w", err)
	}
	return ParseConfig(b, file)
}

// ParseConfig decodes and validates a pack config; source names it in
// errors. Every problem is reported.
func ParseConfig(b []byte, source string) (*Config, error) {
	c := &Config{Params: DefaultParams()}
	if len(bytes.TrimSpace(b)) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(c); err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
	}
	var errs []error
	add := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{source}, args...)...))
	}
	for name, level := range c.Enforcement {
		if _, ok := Lookup(name); !ok {
			add("enforcement.%s: no such policy", name)
		}
		if level != Mandatory && level != Advisory && level != Disabled {
			add("enforcement.%s: must be mandatory, advisory or disabled, got %q", name, level)
		}
	}
	for i := range c.Waivers {
		w := &c.Waivers[i]
		at := fmt.Sprintf("waivers[%d]", i)
		if _, ok := Lookup(w.Policy); !ok {
			add("%s.policy: no such policy %q", at, w.Policy)
		}
		if len(w.Resources) == 0 {
			add("%s.resources: name at least one resource pattern", at)
		}
		for _, p := range w.Resources {
			if _, err := path.Match(p, ""); err != nil {
				add("%s.resources: bad pattern %q: %v", at, p, err)
			}
		}
		if strings.TrimSpace(w.Reason) == "" {
			add("%s.reason: a waiver needs a reason", at)
		}
		if strings.TrimSpace(w.ApprovedBy) == "" {
			add("%s.approvedBy: a waiver needs an approver", at)
		}
		if w.Expires == "" {
			add("%s.expires: a waiver needs an expiry date (YYYY-MM-DD)", at)
		} else if t, err := time.Parse(time.DateOnly, w.Expires); err != nil {
			add("%s.expires: must be a date YYYY-MM-DD, got %q", at, w.Expires)
		} else {
			w.expires = t
		}
	}
	for _, problem := range validateParams(c.Params, "params") {
		add("%s", problem)
	}
	c.stackParams = map[string]Params{}
	for _, key := range slices.Sorted(maps.Keys(c.Stacks)) {
		node := c.Stacks[key]
		if project, stack, ok := strings.Cut(key, "/"); !ok || project == "" || stack == "" || strings.Contains(stack, "/") {
			add("stacks.%s: name the stack as project/stack (platform/production), so one project's stack never sets another's params", key)
			continue
		}
		p := c.Params
		p.AllowedPublicPorts = append([]int(nil), c.Params.AllowedPublicPorts...)
		p.KubernetesStandardSupportEnds = maps.Clone(c.Params.KubernetesStandardSupportEnds)
		if err := node.Decode(&p); err != nil {
			add("stacks.%s: %v", key, err)
			continue
		}
		for _, problem := range validateParams(p, "stacks."+key) {
			add("%s", problem)
		}
		c.stackParams[key] = p
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// EnforcementOf returns the level in force for a policy.
func (c *Config) EnforcementOf(p *Policy) Enforcement {
	if level, ok := c.Enforcement[p.Name]; ok {
		return level
	}
	return p.Enforcement
}

// Expired reports whether the waiver no longer holds on the given day.
func (w *Waiver) Expired(now time.Time) bool {
	return now.After(w.expires.Add(24 * time.Hour))
}

// Covers reports whether the waiver applies to a finding in a stack.
func (w *Waiver) Covers(f Finding, stack string) bool {
	if w.Policy != f.Policy {
		return false
	}
	if len(w.Stacks) > 0 && !contains(w.Stacks, stack) {
		return false
	}
	for _, p := range w.Resources {
		if ok, _ := path.Match(p, f.URN); ok {
			return true
		}
		if ok, _ := path.Match(p, f.Name); ok && f.Name != "" {
			return true
		}
	}
	return false
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
