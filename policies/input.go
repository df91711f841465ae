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
			Component: !r.Custom,
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

// Preview is what a `pulumi preview --json` document holds for the pack.
type Preview struct {
	// Resources are the planned states, one per resource.
	Resources []Resource
	// Errors are the preview's error diagnostics: a failed preview, which
	// never passes, whatever its partial steps contain.
	Errors []string
	// Partial says the preview lists only what changes (no --show-sames):
	// resources it does not list may exist unchanged.
	Partial bool
}

// gone are the step kinds after which the resource no longer exists (or
// is the old half of a replacement): they are never judged.
var gone = map[string]bool{
	"delete": true, "discard": true, "delete-replaced": true, "discard-replaced": true,
	"read-discard": true, "remove-pending-replace": true,
}

// ReadPreview reads what `pulumi preview --json` prints, with or without
// --show-sames and --show-replacement-steps: the planned state of every
// resource that is not being deleted, once per resource (the last new
// state of its steps), and the preview's error diagnostics. source names
// the document in errors, which say where in it the problem is.
func ReadPreview(source string, b []byte) (*Preview, error) {
	var doc struct {
		Steps []struct {
			Op       string        `json:"op"`
			URN      string        `json:"urn"`
			NewState *jsonResource `json:"newState"`
		} `json:"steps"`
		Diagnostics []struct {
			Message  string `json:"message"`
			Severity string `json:"severity"`
		} `json:"diagnostics"`
		ChangeSummary map[string]int `json:"changeSummary"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%w: %s: not the JSON `pulumi preview --json` prints: %s", ErrInput, source, jsonPlace(b, err))
	}
	if doc.Steps == nil {
		return nil, fmt.Errorf("%w: %s: no steps: not the JSON `pulumi preview --json` prints", ErrInput, source)
	}
	p := &Preview{}
	index := map[string]int{}
	sames := 0
	for i, s := range doc.Steps {
		if s.Op == "same" {
			sames++
		}
		if s.NewState == nil || gone[s.Op] {
			continue
		}
		if s.NewState.URN == "" {
			return nil, fmt.Errorf("%w: %s: steps[%d].newState has no urn", ErrInput, source, i)
		}
		r := convert(*s.NewState)
		if at, seen := index[r.URN]; seen {
			p.Resources[at] = r // a replacement: judged once, on its new state
			continue
		}
		index[r.URN] = len(p.Resources)
		p.Resources = append(p.Resources, r)
	}
	// Without --show-sames the CLI counts unchanged resources but does not
	// list them: the view is partial.
	p.Partial = doc.ChangeSummary["same"] > 0 && sames == 0
	for _, d := range doc.Diagnostics {
		if d.Severity == "error" {
			p.Errors = append(p.Errors, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(d.Message), "error:")))
		}
	}
	return p, nil
}

// FromPreviewJSON reads a preview's resources (ReadPreview without its
// diagnostics).
func FromPreviewJSON(b []byte) ([]Resource, error) {
	p, err := ReadPreview("preview", b)
	if err != nil {
		return nil, err
	}
	return p.Resources, nil
}

// ReadState reads what `pulumi stack export` prints; source names the
// document in errors.
func ReadState(source string, b []byte) ([]Resource, error) {
	var doc struct {
		Deployment *struct {
			Resources []jsonResource `json:"resources"`
		} `json:"deployment"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%w: %s: not the JSON `pulumi stack export` prints: %s", ErrInput, source, jsonPlace(b, err))
	}
	if doc.Deployment == nil {
		return nil, fmt.Errorf("%w: %s: no deployment: not the JSON `pulumi stack export` prints", ErrInput, source)
	}
	var out []Resource
	for i, r := range doc.Deployment.Resources {
		if r.Delete || r.External {
			continue // pending deletes and read resources are not governed
		}
		if r.URN == "" {
			return nil, fmt.Errorf("%w: %s: deployment.resources[%d] has no urn", ErrInput, source, i)
		}
		out = append(out, convert(r))
	}
	return out, nil
}

// FromState reads what `pulumi stack export` prints.
func FromState(b []byte) ([]Resource, error) { return ReadState("state", b) }

// jsonPlace says where in b a decoding error is: line and column, and the
// field for a value of the wrong type.
func jsonPlace(b []byte, err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		offset := syntax.Offset
		if strings.Contains(syntax.Error(), "unexpected end") {
			offset = int64(len(b)) + 1 // the document ends too soon: just past its end
		}
		return fmt.Sprintf("%s: %v", lineCol(b, offset), err)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the document"
		}
		return fmt.Sprintf("%s: %s must be %s, got %s", lineCol(b, typ.Offset), field, typ.Type, typ.Value)
	}
	return err.Error()
}

// lineCol turns the decoder's offset (the bytes read when it stopped,
// the offending one included) into the offending byte's line and column.
func lineCol(b []byte, offset int64) string {
	offset = min(max(offset-1, 0), int64(len(b)))
	line, col := 1, 1
	for _, c := range b[:offset] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("line %d, column %d", line, col)
}

func convert(r jsonResource) Resource {
	return Resource{
		URN: r.URN, Type: r.Type, Name: nameOf(r.URN), Parent: r.Parent, Provider: providerURN(r.Provider), ID: r.ID,
		Inputs: redact(r.Inputs), Outputs: redact(r.Outputs),
		DependsOn: r.Dependencies, PropertyDependencies: r.PropertyDependencies,
		Component: !r.Custom && r.Type != stackType,
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
