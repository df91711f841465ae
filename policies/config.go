package policies

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path"
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
	// Stacks override params per stack name, field by field (the dr stack
	// has no trail of its own: the primary's multi-region trail covers it).
	Stacks map[string]yaml.Node `yaml:"stacks"`

	stackParams map[string]Params
}

// ParamsFor returns the params in force for a stack.
func (c *Config) ParamsFor(stack string) Params {
	if p, ok := c.stackParams[stack]; ok {
		return p
	}
	return c.Params
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
	c.stackParams = map[string]Params{}
	for stack, node := range c.Stacks {
		p := c.Params
		p.AllowedPublicPorts = append([]int(nil), c.Params.AllowedPublicPorts...)
		if err := node.Decode(&p); err != nil {
			add("stacks.%s: %v", stack, err)
			continue
		}
		c.stackParams[stack] = p
	}
	p := c.Params
	if p.MinBackupRetentionDays < 1 || p.MinSnapshotRetentionDays < 1 || p.AuditLogRetentionDays < 1 || p.MinKeyDeletionWindowDays < 7 || p.MaxSecretRotationDays < 1 || p.MinAZs < 1 {
		add("params: retention days must be positive and minKeyDeletionWindowDays at least 7")
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
