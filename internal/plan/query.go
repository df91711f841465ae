package plan

import "sort"

// OfType returns the resources of a type token, in URN order.
func (p *Plan) OfType(typ string) []Resource {
	var out []Resource
	for _, r := range p.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Named returns the resource with the logical name and type, and whether
// there is one.
func (p *Plan) Named(typ, name string) (Resource, bool) {
	for _, r := range p.Resources {
		if r.Type == typ && r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}

// ByURN returns the resource with the URN, and whether there is one.
func (p *Plan) ByURN(urn string) (Resource, bool) {
	for _, r := range p.Resources {
		if r.URN == urn {
			return r, true
		}
	}
	return Resource{}, false
}

// Children returns the direct children of a resource.
func (p *Plan) Children(parentURN string) []Resource {
	var out []Resource
	for _, r := range p.Resources {
		if r.Parent == parentURN {
			out = append(out, r)
		}
	}
	return out
}

// CountByType counts the resources of each type.
func (p *Plan) CountByType() map[string]int {
	out := map[string]int{}
	for _, r := range p.Resources {
		out[r.Type]++
	}
	return out
}

// Types returns the distinct types, sorted.
func (p *Plan) Types() []string {
	var out []string
	for t := range p.CountByType() {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// ChildTypes counts the direct children of the named resource by type;
// nil when there is no such resource. Component tests assert it whole.
func (p *Plan) ChildTypes(typ, name string) map[string]int {
	parent, ok := p.Named(typ, name)
	if !ok {
		return nil
	}
	out := map[string]int{}
	for _, c := range p.Children(parent.URN) {
		out[c.Type]++
	}
	return out
}
