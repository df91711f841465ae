// Package policies is the platform's policy pack: every control of the
// control catalog (shared/CONTROLS.md) as a pure function over resources,
// so the same checks run inside the Pulumi CLI (policies/pack), over the
// offline plan (`platform check --stack`), and over what the Pulumi CLI
// prints (`pulumi preview --json`, `pulumi stack export`).
package policies

import (
	"fmt"
	"strconv"
	"strings"
)

// Resource is the view every policy gets: a resource's type, identity and
// inputs (for deployed state, its outputs too), as plain JSON-like values.
type Resource struct {
	URN      string
	Type     string
	Name     string
	Parent   string
	Provider string
	// ID is the physical id where it is known (state, or the offline plan).
	ID string
	// Inputs are the resource's inputs; Outputs are its outputs where known.
	Inputs  map[string]any
	Outputs map[string]any
	// DependsOn and PropertyDependencies are the URNs this resource's
	// inputs come from: how a stack policy knows that a flow log belongs to
	// a VPC even when the VPC's id is not known yet.
	DependsOn            []string
	PropertyDependencies map[string][]string
	// Component marks a component resource (not custom). One constructed
	// by its plugin (a multi-language component such as eks:index:Cluster)
	// has no inputs recorded in a preview.
	Component bool
	// NoState marks a custom resource whose state the view does not hold:
	// inside the engine, stack policies see each resource's outputs, and a
	// resource whose provider is not configured yet in a preview (the
	// Kubernetes provider of a cluster that does not exist yet) has none.
	NoState bool
}

// stackType is the type of a stack's root resource.
const stackType = "pulumi:pulumi:Stack"

// Opaque reports whether the view holds nothing to judge the resource by:
// a component whose inputs the preview did not record, or a resource
// whose state is not known yet.
func (r *Resource) Opaque() bool { return r.NoState || (r.Component && len(r.Inputs) == 0) }

// The markers of values that are not known or not shown.
const (
	// unknownPlan is how the offline planner prints a computed value.
	unknownPlan = "[unknown]"
	// UnknownSentinel is how the Pulumi CLI prints an unknown value in JSON.
	UnknownSentinel = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
	// SecretPlaceholder replaces every secret value; it is never printed.
	SecretPlaceholder = "[secret]"
)

// Value is a looked-up property: missing, unknown, or a plain value.
type Value struct {
	v       any
	present bool
	unknown bool
}

// Get looks a property up by path (keys and list indexes) in the inputs,
// then the outputs. An unknown anywhere along the path makes it unknown.
func (r *Resource) Get(path ...any) Value {
	v := lookup(r.Inputs, path)
	if !v.present && r.Outputs != nil {
		v = lookup(r.Outputs, path)
	}
	return v
}

func lookup(root map[string]any, path []any) Value {
	var cur any = root
	for _, p := range path {
		if isUnknown(cur) {
			return Value{unknown: true, present: true}
		}
		switch k := p.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				return Value{}
			}
			next, ok := m[k]
			if !ok {
				return Value{}
			}
			cur = next
		case int:
			a, ok := cur.([]any)
			if !ok || k < 0 || k >= len(a) {
				return Value{}
			}
			cur = a[k]
		}
	}
	if isUnknown(cur) {
		return Value{unknown: true, present: true}
	}
	return Value{v: cur, present: cur != nil}
}

func isUnknown(v any) bool {
	s, ok := v.(string)
	return ok && (s == unknownPlan || s == UnknownSentinel)
}

// Present reports whether the property is set (unknown counts as set).
func (v Value) Present() bool { return v.present }

// Unknown reports whether the value will only be known after deployment.
func (v Value) Unknown() bool { return v.unknown }

// Raw returns the plain value.
func (v Value) Raw() any { return v.v }

// Bool returns the value as a boolean ("true" strings count).
func (v Value) Bool() bool {
	switch b := v.v.(type) {
	case bool:
		return b
	case string:
		t, _ := strconv.ParseBool(b)
		return t
	}
	return false
}

// Str returns the value as a string ("" if not a string).
func (v Value) Str() string {
	switch s := v.v.(type) {
	case string:
		return s
	case float64:
		return strconv.FormatFloat(s, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(s)
	}
	return ""
}

// Num returns the value as a number and whether it is one.
func (v Value) Num() (float64, bool) {
	switch n := v.v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case string:
		f, err := strconv.ParseFloat(n, 64)
		return f, err == nil
	}
	return 0, false
}

// List returns the value as a list (a single value becomes a list of one).
func (v Value) List() []any {
	switch l := v.v.(type) {
	case []any:
		return l
	case nil:
		return nil
	}
	return []any{v.v}
}

// Strings returns the value as a list of strings.
func (v Value) Strings() []string {
	var out []string
	for _, e := range v.List() {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Map returns the value as an object.
func (v Value) Map() map[string]any {
	m, _ := v.v.(map[string]any)
	return m
}

// Of wraps a plain value (an element of a list) as a Value.
func Of(v any) Value {
	if isUnknown(v) {
		return Value{present: true, unknown: true}
	}
	return Value{v: v, present: v != nil}
}

// At looks a path up inside a wrapped object value.
func (v Value) At(path ...any) Value {
	if v.unknown {
		return v
	}
	m, ok := v.v.(map[string]any)
	if !ok {
		return Value{}
	}
	return lookup(m, path)
}

// ContainsUnknown reports whether any value inside is unknown.
func (v Value) ContainsUnknown() bool {
	if v.unknown {
		return true
	}
	return containsUnknown(v.v)
}

func containsUnknown(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			if containsUnknown(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if containsUnknown(e) {
				return true
			}
		}
	default:
		return isUnknown(v)
	}
	return false
}

// Tags returns the resource's own tags (provider default tags are not in
// a resource's inputs).
func (r *Resource) Tags() map[string]string {
	out := map[string]string{}
	for _, key := range []string{"tags", "tagsAll"} {
		for k, v := range r.Get(key).Map() {
			if s, ok := v.(string); ok {
				out[k] = s
			}
		}
	}
	return out
}

// String names the resource in messages.
func (r *Resource) String() string { return fmt.Sprintf("%s (%s)", r.Name, r.Type) }

// Identifiers are the values other resources use to point at this one:
// its id, ARN and name-like outputs, as far as they are known.
func (r *Resource) Identifiers() []string {
	var out []string
	add := func(s string) {
		if s != "" && !isUnknown(s) && !strings.HasPrefix(s, "[") {
			out = append(out, s)
		}
	}
	add(r.ID)
	for _, k := range []string{"id", "arn", "bucket", "name"} {
		add(r.Get(k).Str())
	}
	return out
}

// Refers reports whether r's property prop (top-level input) points at
// target: by a recorded property dependency, or by value.
func (r *Resource) Refers(prop string, target *Resource) bool {
	for _, urn := range r.PropertyDependencies[prop] {
		if urn == target.URN {
			return true
		}
	}
	vals := r.Get(prop).List()
	for _, id := range target.Identifiers() {
		for _, v := range vals {
			if s, ok := v.(string); ok && (s == id || strings.HasSuffix(s, ":"+id)) {
				return true
			}
		}
	}
	return false
}

// valueOf wraps a plain value (a list element, a parsed string) as a
// Value, unknown if it is the unknown sentinel.
func valueOf(v any) Value {
	if isUnknown(v) {
		return Value{unknown: true, present: true}
	}
	return Value{v: v, present: v != nil}
}
