// Package crossguard adapts the platform's policies to the Pulumi CLI's
// analyzer protocol (the SDK's policyx package), so `pulumi preview
// --policy-pack policies/pack` enforces exactly what `platform check` does.
package crossguard

import (
	"context"
	"strings"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"platform/policies"
)

// PackName is the name the Pulumi CLI shows for the pack.
const PackName = policies.PackName

// Version of the pack.
var Version = semver.MustParse(policies.PackVersion)

// Pack builds the CrossGuard pack from the policy registry and a pack
// config: every enabled policy, at its configured level, with the
// config's waivers applied before a violation is reported.
func Pack(cfg *policies.Config) (policyx.PolicyPack, error) {
	var pack []policyx.Policy
	for _, p := range policies.All() {
		level := cfg.EnforcementOf(p)
		if level == policies.Disabled {
			continue
		}
		if p.Resource != nil {
			pack = append(pack, policyx.NewResourceValidationPolicy(p.Name, policyx.ResourceValidationPolicyArgs{
				Description:      p.Description,
				EnforcementLevel: enforcement(level),
				ValidateResource: func(_ context.Context, args policyx.ResourceValidationArgs) error {
					if !applies(p, args.Resource.Type) {
						return nil
					}
					r := Convert(args.Resource)
					report(args.Manager, policies.EvaluatePolicy(p, []policies.Resource{r}, options(cfg, []policies.Resource{r})))
					return nil
				},
			}))
			continue
		}
		pack = append(pack, policyx.NewStackValidationPolicy(p.Name, policyx.StackValidationPolicyArgs{
			Description:      p.Description,
			EnforcementLevel: enforcement(level),
			ValidateStack: func(_ context.Context, args policyx.StackValidationArgs) error {
				resources := ConvertStack(args.Resources)
				report(args.Manager, policies.EvaluatePolicy(p, resources, options(cfg, resources)))
				return nil
			},
		}))
	}
	return policyx.NewPolicyPack(PackName, Version, policyx.EnforcementLevelMandatory, pack)
}

func applies(p *policies.Policy, typ string) bool {
	for _, t := range p.Types {
		if t == typ {
			return true
		}
	}
	return false
}

func options(cfg *policies.Config, resources []policies.Resource) policies.Options {
	stack := ""
	for _, r := range resources {
		if rest, ok := strings.CutPrefix(r.URN, "urn:pulumi:"); ok {
			stack, _, _ = strings.Cut(rest, "::")
			break
		}
	}
	return policies.Options{Config: cfg, Stack: stack}
}

// report hands unwaived findings to the engine. A stack-level finding is
// reported without a URN.
func report(m policyx.PolicyManager, r *policies.Report) {
	for _, f := range r.Violations {
		urn := f.URN
		if f.Type == "pulumi:pulumi:Stack" {
			urn = ""
		}
		m.ReportViolation(f.Message, urn)
	}
}

func enforcement(e policies.Enforcement) policyx.EnforcementLevel {
	switch e {
	case policies.Advisory:
		return policyx.EnforcementLevelAdvisory
	case policies.Disabled:
		return policyx.EnforcementLevelDisabled
	}
	return policyx.EnforcementLevelMandatory
}

// Convert turns an analyzer resource into the policies' view.
func Convert(r policyx.AnalyzerResource) policies.Resource {
	return policies.Resource{
		URN: r.URN, Type: r.Type, Name: r.Name, Parent: r.Parent, Provider: r.Provider.URN,
		Inputs: Plain(r.Properties), DependsOn: r.Dependencies, PropertyDependencies: r.PropertyDependencies,
		// Every custom resource has a provider; a component has none.
		Component: r.Provider.URN == "" && !strings.HasPrefix(r.Type, "pulumi:providers:") && r.Type != "pulumi:pulumi:Stack",
	}
}

// ConvertStack converts a stack's resources and adds their providers, so
// stack policies can read a resource's region.
func ConvertStack(rs []policyx.AnalyzerResource) []policies.Resource {
	out := make([]policies.Resource, 0, len(rs))
	seen := map[string]bool{}
	for _, r := range rs {
		c := Convert(r)
		// Stack policies see outputs; a custom resource with none is one
		// whose provider is not configured yet in this preview.
		c.NoState = !c.Component && r.Properties.Len() == 0 && !strings.HasPrefix(r.Type, "pulumi:")
		out = append(out, c)
		seen[r.URN] = true
	}
	for _, r := range rs {
		if p := r.Provider; p.URN != "" && !seen[p.URN] {
			seen[p.URN] = true
			out = append(out, policies.Resource{URN: p.URN, Type: p.Type, Name: p.Name, Inputs: Plain(p.Properties)})
		}
	}
	return out
}

// Plain converts a property map to plain values: secrets become
// policies.SecretPlaceholder and unknowns the CLI's unknown sentinel.
func Plain(m property.Map) map[string]any {
	out := make(map[string]any, m.Len())
	for k, v := range m.All {
		out[k] = plainValue(v)
	}
	return out
}

func plainValue(v property.Value) any {
	switch {
	case v.Secret():
		return policies.SecretPlaceholder
	case v.IsComputed():
		return policies.UnknownSentinel
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.AsBool()
	case v.IsNumber():
		return v.AsNumber()
	case v.IsString():
		return v.AsString()
	case v.IsArray():
		arr := v.AsArray()
		out := make([]any, 0, arr.Len())
		for _, e := range arr.All {
			out = append(out, plainValue(e))
		}
		return out
	case v.IsMap():
		return Plain(v.AsMap())
	case v.IsResourceReference():
		return string(v.AsResourceReference().URN)
	}
	return "[asset]"
}
