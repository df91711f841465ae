package policies

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updateReadme = flag.Bool("update", false, "rewrite the policy table in README.md")

const (
	tableStart = "<!-- policy-table:start -->"
	tableEnd   = "<!-- policy-table:end -->"
)

// policyTable renders the policy table of the README from the registry.
func policyTable() string {
	var b strings.Builder
	b.WriteString("| # | policy | severity | enforcement | kind | frameworks |\n|---|---|---|---|---|---|\n")
	ps := All()
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Control < ps[j].Control })
	for _, p := range ps {
		kind := "resource"
		if p.Stack != nil {
			kind = "stack"
		}
		fmt.Fprintf(&b, "| %d | `%s` | %s | %s | %s | %s |\n", p.Control, p.Name, p.Severity, p.Enforcement, kind, strings.Join(p.Frameworks, ", "))
	}
	controls := map[int]bool{}
	for _, p := range ps {
		controls[p.Control] = true
	}
	fmt.Fprintf(&b, "\n%d policies cover %d controls of the catalog.\n", len(ps), len(controls))
	return b.String()
}

// TestReadmeTable keeps policies/README.md's table in step with the
// registry. Regenerate: go test ./policies -run TestReadmeTable -update
func TestReadmeTable(t *testing.T) {
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	doc := string(b)
	start, end := strings.Index(doc, tableStart), strings.Index(doc, tableEnd)
	require.True(t, start >= 0 && end > start, "README.md has the table markers")
	want := doc[:start+len(tableStart)] + "\n" + policyTable() + doc[end:]
	if *updateReadme {
		require.NoError(t, os.WriteFile("README.md", []byte(want), 0o644))
		return
	}
	assert.Equal(t, want, doc, "the policy table is stale: go test ./policies -run TestReadmeTable -update")
}
