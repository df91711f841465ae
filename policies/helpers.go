package policies

import (
	"encoding/json"
	"strconv"
	"strings"
)

// requireTrue fails r unless the boolean at path is true. An unset value
// counts as false: secure settings must be explicit.
func requireTrue(c *Check, r *Resource, msg string, path ...any) {
	v := r.Get(path...)
	if v.Unknown() {
		c.Undecided(r, pathString(path))
		return
	}
	if !v.Bool() {
		c.Fail(r, "%s (%s is not true)", msg, pathString(path))
	}
}

// requireSet fails r unless the value at path is set and not empty.
func requireSet(c *Check, r *Resource, msg string, path ...any) {
	v := r.Get(path...)
	if v.Unknown() {
		return // set, to a value known at deploy
	}
	if !v.Present() || v.Raw() == "" {
		c.Fail(r, "%s (%s is not set)", msg, pathString(path))
	}
}

// requireNotTrue fails r if the boolean at path is true.
func requireNotTrue(c *Check, r *Resource, msg string, path ...any) {
	v := r.Get(path...)
	if v.Unknown() {
		c.Undecided(r, pathString(path))
		return
	}
	if v.Bool() {
		c.Fail(r, "%s (%s is true)", msg, pathString(path))
	}
}

// requireNotFalse fails r only if the boolean at path is explicitly false:
// for settings whose AWS default is the secure one.
func requireNotFalse(c *Check, r *Resource, msg string, path ...any) {
	v := r.Get(path...)
	if v.Present() && !v.Unknown() && !v.Bool() {
		c.Fail(r, "%s (%s is false)", msg, pathString(path))
	}
}

// requireAtLeast fails r unless the number at path is at least min. unset
// is the value AWS applies when the input is not given.
func requireAtLeast(c *Check, r *Resource, min float64, unset float64, msg string, path ...any) {
	v := r.Get(path...)
	if v.Unknown() {
		c.Undecided(r, pathString(path))
		return
	}
	n, ok := v.Num()
	if !v.Present() {
		n, ok = unset, true
	}
	if !ok || n < min {
		c.Fail(r, "%s (%s is %v, needs at least %v)", msg, pathString(path), displayNum(v, n, ok), min)
	}
}

func displayNum(v Value, n float64, ok bool) any {
	if !v.Present() {
		return "unset"
	}
	if !ok {
		return v.Raw()
	}
	return n
}

func pathString(path []any) string {
	var b strings.Builder
	for i, p := range path {
		switch k := p.(type) {
		case string:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(k)
		case int:
			b.WriteString("[" + strconv.Itoa(k) + "]")
		}
	}
	return b.String()
}

// world reports whether a CIDR is the whole IPv4 or IPv6 internet.
func world(cidr string) bool { return cidr == "0.0.0.0/0" || cidr == "::/0" }

// anyWorld reports whether a list of CIDRs holds the whole internet.
func anyWorld(cidrs []string) bool {
	for _, c := range cidrs {
		if world(c) {
			return true
		}
	}
	return false
}

// portRange is an inclusive port range of a rule; all is protocol -1.
type portRange struct {
	from, to int
	all      bool
}

func (p portRange) covers(port int) bool { return p.all || (p.from <= port && port <= p.to) }

func ruleRange(protocol string, from, to float64) portRange {
	switch strings.ToLower(protocol) {
	case "-1", "all":
		return portRange{all: true}
	}
	return portRange{from: int(from), to: int(to)}
}

// policyStatements decodes an IAM-style policy document (string or object).
func policyStatements(v Value) ([]map[string]any, bool) {
	var doc map[string]any
	switch raw := v.Raw().(type) {
	case string:
		if json.Unmarshal([]byte(raw), &doc) != nil {
			return nil, false
		}
	case map[string]any:
		doc = raw
	default:
		return nil, false
	}
	var out []map[string]any
	switch st := doc["Statement"].(type) {
	case []any:
		for _, s := range st {
			if m, ok := s.(map[string]any); ok {
				out = append(out, m)
			}
		}
	case map[string]any:
		out = append(out, st)
	}
	return out, true
}

// principalIsWildcard reports whether a statement's principal is anyone.
func principalIsWildcard(p any) bool {
	switch x := p.(type) {
	case string:
		return x == "*"
	case map[string]any:
		for _, v := range x {
			switch y := v.(type) {
			case string:
				if y == "*" {
					return true
				}
			case []any:
				for _, e := range y {
					if e == "*" {
						return true
					}
				}
			}
		}
	}
	return false
}

// strs turns a string or a list into strings.
func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// hasAll reports whether every want is in have.
func hasAll(have []string, want ...string) (missing []string) {
	set := map[string]bool{}
	for _, h := range have {
		set[h] = true
	}
	for _, w := range want {
		if !set[w] {
			missing = append(missing, w)
		}
	}
	return missing
}
