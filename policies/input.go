package policies

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"platform/internal/plan"
)

// secretSig is the key Pulumi marks secret values with in JSON documents.
const secretSig = "4dabf18193072939515e22adb298388d"

// FromPlan converts the offline plan. Its resources carry the mock
// engine's ids, so stack policies can match references by value too.
func FromPlan(p *plan.Plan) []Resource {
	out := make([]Resource, 0, len(p.Resources))
	for _, r := range p.Resources {
		if r.Read {
			continue // read, not managed: no policy applies
		}
		out = append(out, Resource{
			URN: r.URN, Type: r.Type, Name: r.Name, Parent: r.Parent, Provider: r.Provider, ID: r.ID,
			Inputs: r.Inputs, DependsOn: r.DependsOn, PropertyDependencies: r.PropertyDependencies,
		})
	}
	return out
}

// jsonResource is a resource state as `pulumi preview --json` (newState of
// each step) and `pulumi stack export` (deployment.resources) print it.
type jsonResource struct {
	URN                  string              `json:"urn"`
	Type                 string              `json:"type"`
	ID                   string              `json:"id"`
	Custom               bool                `json:"custom"`
	Parent               string              `json:"parent"`
	Provider             string              `json:"provider"`
	Inputs               map[string]any      `json:"inputs"`
	Outputs              map[string]any      `json:"outputs"`
	Dependencies         []string            `json:"dependencies"`
	PropertyDependencies map[string][]string `json:"propertyDependencies"`
	Delete               bool                `json:"delete"`
	External             bool                `json:"external"`
}

// ErrInput marks a document that is not what its flag says it is.
var ErrInput = errors.New("bad input")

// FromPreviewJSON reads what `pulumi preview --json` prints: the planned
// state of every step that is not a delete.
func FromPreviewJSON(b []byte) ([]Resource, error) {
	var doc struct {
		Steps []struct {
			Op       string        `json:"op"`
			NewState *jsonResource `json:"newState"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%w: not the JSON `pulumi preview --json` prints: %v", ErrInput, err)
	}
	if doc.Steps == nil {
		return nil, fmt.Errorf("%w: no steps: not the JSON `pulumi preview --json` prints", ErrInput)
	}
	var out []Resource
	for _, s := range doc.Steps {
		if s.NewState == nil || s.Op == "delete" || s.Op == "discard" {
			continue
		}
		out = append(out, convert(*s.NewState))
	}
	return out, nil
}

// FromState reads what `pulumi stack export` prints.
func FromState(b []byte) ([]Resource, error) {
	var doc struct {
		Deployment *struct {
			Resources []jsonResource `json:"resources"`
		} `json:"deployment"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%w: not the JSON `pulumi stack export` prints: %v", ErrInput, err)
	}
	if doc.Deployment == nil {
		return nil, fmt.Errorf("%w: no deployment: not the JSON `pulumi stack export` prints", ErrInput)
	}
	var out []Resource
	for _, r := range doc.Deployment.Resources {
		if r.Delete || r.External {
			continue // pending deletes and read resources are not governed
		}
		out = append(out, convert(r))
	}
	return out, nil
}

func convert(r jsonResource) Resource {
	return Resource{
		URN: r.URN, Type: r.Type, Name: nameOf(r.URN), Parent: r.Parent, Provider: providerURN(r.Provider), ID: r.ID,
		Inputs: redact(r.Inputs), Outputs: redact(r.Outputs),
		DependsOn: r.Dependencies, PropertyDependencies: r.PropertyDependencies,
	}
}

// nameOf is the logical name at the end of a URN.
func nameOf(urn string) string {
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		return urn[i+2:]
	}
	return urn
}

func providerURN(ref string) string {
	if i := strings.LastIndex(ref, "::"); i > 0 && strings.Count(ref, "::") > 3 {
		return ref[:i]
	}
	return ref
}

// redact replaces every secret (Pulumi's signature object, or its
// "[secret]" placeholder) with SecretPlaceholder, so no secret is ever
// printed.
func redact(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = redactValue(v)
	}
	return out
}

func redactValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x[secretSig]; ok {
			return SecretPlaceholder
		}
		return redact(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = redactValue(e)
		}
		return out
	}
	return v
}
