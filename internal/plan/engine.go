package plan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/awsmodel"
)

// Resource is one registration, as the planner prints it. The JSON field
// names are a contract: later versions add fields, never change these.
type Resource struct {
	URN            string         `json:"urn"`
	Type           string         `json:"type"`
	Name           string         `json:"name"`
	Parent         string         `json:"parent"`
	Provider       string         `json:"provider"`
	Custom         bool           `json:"custom"`
	Protect        bool           `json:"protect"`
	RetainOnDelete bool           `json:"retainOnDelete"`
	DependsOn      []string       `json:"dependsOn"`
	Aliases        []string       `json:"aliases,omitempty"`
	Inputs         map[string]any `json:"inputs"`
	// ID is the id the mock engine gave the resource: a placeholder, but
	// the value other resources' inputs carry when they point at it.
	ID string `json:"id,omitempty"`
	// PropertyDependencies maps an input to the URNs its value comes from.
	PropertyDependencies map[string][]string `json:"propertyDependencies,omitempty"`
	// Read marks a resource that is read, not managed (a StackReference).
	Read bool `json:"read,omitempty"`
}

// Plan is what a program would register.
type Plan struct {
	Project   string         `json:"project"`
	Stack     string         `json:"stack"`
	Resources []Resource     `json:"resources"`
	Outputs   map[string]any `json:"outputs"`
}

// Program is a Pulumi program that also returns its stack outputs, so the
// planner can serve them to a StackReference of another stack.
type Program func(ctx *pulumi.Context) (pulumi.Map, error)

// Options configure one mock run.
type Options struct {
	Project string
	Stack   string
	// Organization is used in stack reference names; "organization" if empty.
	Organization string
	// Config is fully qualified config, as Project.StackConfig returns it.
	Config map[string]string
	// Resolve serves StackReference reads: it gets the referenced name
	// (org/project/stack) and returns that stack's outputs. Nil fails every
	// StackReference.
	Resolve func(name string) (map[string]any, error)
}

// Secret is how a secret value is printed: its value never is.
const Secret = "[secret]"

// Unknown is how a value that would be computed at deploy time is printed.
const Unknown = "[unknown]"

// Run runs program under the mock engine and returns what it registered.
// A program error, an invoke, or a resource on a disabled default provider
// fails the run; the plan returned with the error holds what was
// registered before it, so tests can assert that bad input registered
// nothing.
func Run(opts Options, program Program) (*Plan, error) {
	disabled, err := DisabledDefaultProviders(opts.Config)
	if err != nil {
		return nil, err
	}
	org := opts.Organization
	if org == "" {
		org = "organization"
	}
	m := &mocks{
		project:   opts.Project,
		stack:     opts.Stack,
		disabled:  disabled,
		resolve:   opts.Resolve,
		providers: map[string]map[string]any{},
	}
	info := pulumi.RunInfo{
		Project:      opts.Project,
		Stack:        opts.Stack,
		Organization: org,
		Config:       opts.Config,
		DryRun:       true,
		Mocks:        m,
	}
	pctx, err := pulumi.NewContext(context.Background(), info)
	if err != nil {
		return nil, err
	}
	defer pctx.Close()

	var (
		outputs   = map[string]any{}
		exported  []string
		outputsMu sync.Mutex
	)
	runErr := pulumi.RunWithContext(pctx, func(ctx *pulumi.Context) error {
		outs, err := program(ctx)
		if err != nil {
			return err
		}
		// Each output is captured on its own, so one value that is unknown
		// until deploy does not hide the others. Joining each value with an
		// output of this context puts the apply in the context's work
		// group: RunWithContext waits for it, even for plain values, whose
		// own outputs belong to no context.
		anchor, resolve, _ := ctx.NewOutput()
		resolve(nil)
		for key, value := range outs {
			exported = append(exported, key)
			pulumi.All(anchor, value).ApplyT(func(vs []any) error {
				outputsMu.Lock()
				defer outputsMu.Unlock()
				outputs[key] = vs[1]
				return nil
			})
		}
		return nil
	})
	outputsMu.Lock()
	defer outputsMu.Unlock()
	for _, key := range exported {
		if _, ok := outputs[key]; !ok {
			outputs[key] = Unknown
		}
	}
	p := &Plan{Project: opts.Project, Stack: opts.Stack, Resources: m.sorted(), Outputs: outputs}
	if runErr != nil {
		return p, flatten(runErr)
	}
	if errs := m.errors(); len(errs) > 0 {
		return p, errors.Join(errs...)
	}
	return p, nil
}

// flatten unwraps the SDK's multierror so each problem prints on its own
// line, once.
func flatten(err error) error {
	type wrapped interface{ WrappedErrors() []error }
	if w, ok := err.(wrapped); ok {
		var out []error
		seen := map[string]bool{}
		for _, e := range w.WrappedErrors() {
			if !seen[e.Error()] {
				seen[e.Error()] = true
				out = append(out, e)
			}
		}
		return errors.Join(out...)
	}
	return err
}

// mocks implements pulumi.MockResourceMonitor and records registrations.
type mocks struct {
	project, stack string
	disabled       []string
	resolve        func(name string) (map[string]any, error)

	mu        sync.Mutex
	resources []Resource
	providers map[string]map[string]any // provider URN -> inputs
	errs      []error
}

// Call serves invokes. The platform plans without any: look-ups come from
// config in stacks/, so that a preview needs no cloud access.
func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	err := fmt.Errorf("invoke %s is not served offline: take the value from stack config in stacks/ instead", args.Token)
	m.fail(err)
	return nil, err
}

func (m *mocks) fail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.errs = append(m.errs, err)
}

func (m *mocks) errors() []error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.errs)
}

// NewResource records a registration and returns plausible outputs: the
// inputs, an id, and for AWS resources an ARN built from the provider's
// region and account. These stand in for values AWS computes on deploy.
func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r := Resource{
		Type:     args.TypeToken,
		Name:     args.Name,
		Provider: providerURN(args.Provider),
		Custom:   args.Custom,
		Inputs:   plain(args.Inputs),
	}
	if rpc := args.RegisterRPC; rpc != nil {
		r.Parent = rpc.GetParent()
		r.Protect = rpc.GetProtect()
		r.RetainOnDelete = rpc.GetRetainOnDelete()
		r.DependsOn = sortedUnique(rpc.GetDependencies())
		r.Aliases = sortedUnique(rpc.GetAliasURNs())
		for prop, deps := range rpc.GetPropertyDependencies() {
			if urns := sortedUnique(deps.GetUrns()); len(urns) > 0 {
				if r.PropertyDependencies == nil {
					r.PropertyDependencies = map[string][]string{}
				}
				r.PropertyDependencies[prop] = urns
			}
		}
	}
	if rpc := args.ReadRPC; rpc != nil {
		r.Parent = rpc.GetParent()
		r.Read = true
		r.Custom = true
	}
	r.URN = m.urn(r.Parent, r.Type, r.Name)
	if r.DependsOn == nil {
		r.DependsOn = []string{}
	}
	if strings.HasPrefix(r.Type, "pulumi:providers:") {
		r.Inputs = decodeProviderInputs(r.Inputs)
	}

	pkg := strings.SplitN(r.Type, ":", 2)[0]
	if r.Custom && !r.Read && pkg != "pulumi" && r.Provider == "" && slices.Contains(m.disabled, pkg) {
		err := fmt.Errorf("%s (%s) uses the default %s provider, which the stack disables: pass pulumi.Provider or pulumi.Providers from stacks/", r.Name, r.Type, pkg)
		m.fail(err)
		return "", nil, err
	}
	if r.Custom && r.Provider == "" && !strings.HasPrefix(r.Type, "pulumi:providers:") {
		r.Provider = m.defaultProvider(pkg)
	}

	state := resource.NewPropertyMapFromMap(nil)
	maps.Copy(state, args.Inputs)
	id := awsmodel.ID(r.Name)
	if r.Type == "pulumi:pulumi:StackReference" {
		outs, err := m.stackReference(args)
		if err != nil {
			m.fail(err)
			return "", nil, err
		}
		id = args.ID
		state["outputs"] = resource.NewObjectProperty(resource.NewPropertyMapFromMap(outs))
		state["secretOutputNames"] = resource.NewArrayProperty(nil)
	}

	if r.Custom {
		r.ID = id
	}
	m.mu.Lock()
	if strings.HasPrefix(r.Type, "pulumi:providers:") {
		m.providers[r.URN] = r.Inputs
	}
	region, account := m.location(r.Provider)
	m.resources = append(m.resources, r)
	m.mu.Unlock()

	if r.Custom && pkg == "aws" {
		awsmodel.Apply(state, awsmodel.Outputs(r.Type, id, region, account, r.Inputs), false)
	}
	return id, state, nil
}

// defaultProvider records the provider the engine creates for a custom
// resource that names none (a StackReference reads through the builtin
// pulumi provider), so the plan holds what the engine's state will: the
// real engine registers it as pulumi:providers:<pkg>::default.
func (m *mocks) defaultProvider(pkg string) string {
	urn := m.urn("", "pulumi:providers:"+pkg, "default")
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.providers[urn]; !ok {
		m.providers[urn] = map[string]any{}
		m.resources = append(m.resources, Resource{
			URN: urn, Type: "pulumi:providers:" + pkg, Name: "default", Custom: true,
			DependsOn: []string{}, Inputs: map[string]any{}, ID: awsmodel.ID("default"),
		})
	}
	return urn
}

func (m *mocks) stackReference(args pulumi.MockResourceArgs) (map[string]any, error) {
	name := args.ID
	if v, ok := args.Inputs["name"]; ok && v.IsString() {
		name = v.StringValue()
	}
	if m.resolve == nil {
		return nil, fmt.Errorf("stack reference %q: this run serves no stack references", name)
	}
	return m.resolve(name)
}

// location returns the region and account of a provider (its first
// allowed account).
func (m *mocks) location(providerURN string) (string, string) {
	in := m.providers[providerURN]
	region, _ := in["region"].(string)
	account := "000000000000"
	if ids, ok := in["allowedAccountIds"].([]any); ok && len(ids) > 0 {
		if s, ok := ids[0].(string); ok {
			account = s
		}
	}
	return region, account
}

func (m *mocks) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(m.stack), tokens.PackageName(m.project), parentType, tokens.Type(typ), name))
}

func (m *mocks) sorted() []Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := slices.Clone(m.resources)
	sort.Slice(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	return out
}

// providerURN strips the id from a provider reference ("urn::id").
func providerURN(ref string) string {
	if i := strings.LastIndex(ref, "::"); i > 0 {
		return ref[:i]
	}
	return ref
}

// decodeProviderInputs decodes the JSON strings the SDK sends for a
// provider's nested inputs, so the plan shows defaultTags as an object.
func decodeProviderInputs(in map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range in {
		if s, ok := v.(string); ok && (strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")) {
			var decoded any
			if json.Unmarshal([]byte(s), &decoded) == nil {
				out[k] = decoded
				continue
			}
		}
		out[k] = v
	}
	return out
}

func sortedUnique(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := slices.Clone(in)
	sort.Strings(out)
	return slices.Compact(out)
}

// plain converts a property map to JSON-ready values. Secrets print as
// [secret], unknowns as [unknown], resource references as their URN.
func plain(pm resource.PropertyMap) map[string]any {
	out := map[string]any{}
	for k, v := range pm {
		if strings.HasPrefix(string(k), "__") {
			continue // SDK bookkeeping such as __defaults
		}
		out[string(k)] = plainValue(v)
	}
	return out
}

func plainValue(v resource.PropertyValue) any {
	switch {
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = plainValue(e)
		}
		return out
	case v.IsObject():
		return plain(v.ObjectValue())
	case v.IsSecret():
		return Secret
	case v.IsComputed():
		return Unknown
	case v.IsOutput():
		o := v.OutputValue()
		if o.Secret {
			return Secret
		}
		if !o.Known {
			return Unknown
		}
		return plainValue(o.Element)
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	case v.IsAsset(), v.IsArchive():
		return "[asset]"
	}
	return fmt.Sprint(v)
}
