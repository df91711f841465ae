package policies

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
)

// A compliance report answers the auditor's questions, framework by
// framework and control by control: does it hold, on which resources,
// with what evidence, since when. It is built from a Report (the findings
// and the evaluations of one check run) and the frameworks' catalogs in
// frameworks/catalog (each sourced in SOURCES.md there).

// ControlStatus is the verdict on one framework control.
type ControlStatus string

// Statuses, worst first: a control takes the worst status of the
// policies that implement it.
const (
	StatusFail          ControlStatus = "fail"
	StatusUndecided     ControlStatus = "undecided"
	StatusWaived        ControlStatus = "waived"
	StatusPass          ControlStatus = "pass"
	StatusNotApplicable ControlStatus = "not-applicable"
	// StatusNotCovered is a catalog control no policy implements: never
	// implied to pass.
	StatusNotCovered ControlStatus = "not-covered"
)

func (s ControlStatus) rank() int {
	return slices.Index([]ControlStatus{StatusFail, StatusUndecided, StatusWaived, StatusPass, StatusNotApplicable, StatusNotCovered}, s)
}

// Framework is a standard the pack's policies reference. A framework
// with a catalog has its whole control list in frameworks/catalog, so
// the controls the pack does not implement are listed too; a scanner's
// check ids (Checkov, Trivy) are references without a catalog.
type Framework struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	// Prefix is how a policy's Frameworks entry names the framework.
	Prefix string `json:"-"`
	// Catalog is the CSV in frameworks/catalog (id,kind,title).
	Catalog string `json:"catalog,omitempty"`
}

// Frameworks are the frameworks a compliance report covers, in report
// order; a reference no prefix matches goes to "other".
var Frameworks = []Framework{
	{ID: "pci-dss-4.0", Name: "PCI DSS", Version: "4.0", Prefix: "PCI ", Catalog: "pci-dss-4.0.csv"}, // the v4.0.1 text, v4.0's numbering (SOURCES.md),
	{ID: "soc2-2017", Name: "SOC 2 Trust Services Criteria", Version: "2017", Prefix: "SOC2 ", Catalog: "soc2-2017.csv"},
	{ID: "cis-aws-3.0", Name: "CIS Amazon Web Services Foundations Benchmark", Version: "3.0.0", Prefix: "CIS ", Catalog: "cis-aws-foundations-3.0.csv"},
	{ID: "aws-fsbp", Name: "AWS Foundational Security Best Practices", Prefix: "FSBP ", Catalog: "aws-fsbp.csv"},
	// Security Hub controls that are not in the FSBP standard (they belong
	// to Security Hub's PCI DSS, CIS or NIST standards): references, with
	// no catalog of their own.
	{ID: "aws-securityhub", Name: "AWS Security Hub controls outside the FSBP standard", Prefix: "SecurityHub "},
	{ID: "cis-eks", Name: "CIS Amazon EKS Benchmark", Prefix: "CIS EKS "},
	{ID: "checkov", Name: "Checkov", Prefix: "CKV"},
	{ID: "trivy", Name: "Trivy (AVD and KSV checks)", Prefix: "AVD-"},
	{ID: "trivy", Name: "Trivy (AVD and KSV checks)", Prefix: "KSV-"},
	{ID: "kubescape", Name: "Kubescape", Prefix: "kubescape"},
	{ID: "other", Name: "Other references (tools' guidance, the platform's success criteria)"},
}

// frameworkOf splits a policy's reference into its framework and the
// control id: "CIS 5.4 (5.5)" is CIS 3.0's 5.4 (the bracket is v5's id).
func frameworkOf(ref string) (Framework, string) {
	best := Frameworks[len(Frameworks)-1]
	for _, f := range Frameworks {
		if f.Prefix != "" && strings.HasPrefix(ref, f.Prefix) && len(f.Prefix) > len(best.Prefix) {
			best = f
		}
	}
	id := ref
	if best.Catalog != "" || best.ID == "cis-eks" || best.ID == "aws-securityhub" {
		id = strings.TrimPrefix(ref, best.Prefix)
		if i := strings.Index(id, " ("); i > 0 {
			id = id[:i]
		}
	}
	return best, strings.TrimSpace(id)
}

// CatalogEntry is one control of a framework's catalog.
type CatalogEntry struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Title string `json:"title"`
}

//go:embed frameworks/catalog/*.csv
var catalogFiles embed.FS

var (
	catalogOnce sync.Once
	catalogs    map[string][]CatalogEntry
	catalogErr  error
)

// Catalog is a framework's control list (nil for a framework without
// one). The embedded catalogs are checked once: ids unique, kinds known,
// titles present.
func Catalog(f Framework) ([]CatalogEntry, error) {
	catalogOnce.Do(func() {
		catalogs = map[string][]CatalogEntry{}
		for _, fw := range Frameworks {
			if fw.Catalog == "" {
				continue
			}
			entries, err := readCatalog(fw.Catalog)
			if err != nil {
				catalogErr = err
				return
			}
			catalogs[fw.ID] = entries
		}
	})
	if catalogErr != nil {
		return nil, catalogErr
	}
	return catalogs[f.ID], nil
}

func readCatalog(name string) ([]CatalogEntry, error) {
	b, err := catalogFiles.ReadFile("frameworks/catalog/" + name)
	if err != nil {
		return nil, err
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", name, err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "id,kind,title" {
		return nil, fmt.Errorf("catalog %s: the header is id,kind,title", name)
	}
	seen := map[string]bool{}
	var out []CatalogEntry
	for i, r := range rows[1:] {
		e := CatalogEntry{ID: r[0], Kind: r[1], Title: r[2]}
		switch {
		case e.ID == "" || e.Title == "":
			return nil, fmt.Errorf("catalog %s line %d: an id and a title", name, i+2)
		case e.Kind != "requirement" && e.Kind != "section":
			return nil, fmt.Errorf("catalog %s line %d: kind is requirement or section, got %q", name, i+2, e.Kind)
		case seen[e.ID]:
			return nil, fmt.Errorf("catalog %s line %d: %s is listed twice", name, i+2, e.ID)
		}
		seen[e.ID] = true
		out = append(out, e)
	}
	return out, nil
}

// ComplianceSchemaVersion versions the JSON of a compliance report: its
// field names are a contract (later versions add, never rename).
const ComplianceSchemaVersion = 1

// ComplianceReport is the pack's verdict per framework and control.
type ComplianceReport struct {
	SchemaVersion int `json:"schemaVersion"`
	// Digest is the SHA-256 of the report with this field empty: the
	// report's identity in its file name and in a diff.
	Digest      string             `json:"digest"`
	GeneratedAt string             `json:"generatedAt"`
	Subject     ComplianceSubject  `json:"subject"`
	Pack        CompliancePack     `json:"pack"`
	Frameworks  []FrameworkResult  `json:"frameworks"`
	Notes       []string           `json:"notes"`
	Waivers     []ComplianceWaiver `json:"expiredWaivers"`
}

// ComplianceSubject says what was checked and how.
type ComplianceSubject struct {
	Stack   string `json:"stack"`
	Project string `json:"project,omitempty"`
	// Source is "offline plan", "preview" or "state export".
	Source string `json:"source"`
	// Input is the file checked, when there is one.
	Input     string `json:"input,omitempty"`
	Commit    string `json:"commit,omitempty"`
	Resources int    `json:"resources"`
}

// CompliancePack says which pack judged.
type CompliancePack struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	Policies int    `json:"policies"`
	Disabled int    `json:"disabled"`
}

// FrameworkResult is one framework's part of the report.
type FrameworkResult struct {
	Framework
	Summary FrameworkSummary `json:"summary"`
	// Controls are the framework's controls the pack implements.
	Controls []ControlResult `json:"controls"`
	// NotCovered are the catalog's requirements no policy implements
	// (empty for a framework without a catalog: HasCatalog says which).
	NotCovered []CatalogEntry `json:"notCovered"`
	HasCatalog bool           `json:"hasCatalog"`
}

// FrameworkSummary counts a framework's controls by status.
type FrameworkSummary struct {
	InScope       int `json:"inScope"`
	Pass          int `json:"pass"`
	Fail          int `json:"fail"`
	Waived        int `json:"waived"`
	NotApplicable int `json:"notApplicable"`
	Undecided     int `json:"undecided"`
	NotCovered    int `json:"notCovered"`
}

// ControlResult is one framework control and the policies behind it.
type ControlResult struct {
	ID       string         `json:"id"`
	Title    string         `json:"title,omitempty"`
	Status   ControlStatus  `json:"status"`
	Policies []PolicyResult `json:"policies"`
}

// PolicyResult is one policy's evidence for a control.
type PolicyResult struct {
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Enforcement Enforcement   `json:"enforcement"`
	Status      ControlStatus `json:"status"`
	// Checked are the resources judged (empty and not applicable: none of
	// the policy's types exists in the stack).
	Checked []Subject `json:"checked"`
	// Failures, Waived and Undecided are the findings with their messages.
	Failures    []ComplianceFinding `json:"failures,omitempty"`
	Waived      []ComplianceFinding `json:"waived,omitempty"`
	Undecided   []ComplianceFinding `json:"undecided,omitempty"`
	Remediation string              `json:"remediation,omitempty"`
}

// ComplianceFinding is a finding as evidence.
type ComplianceFinding struct {
	Subject
	Message string            `json:"message"`
	Waiver  *ComplianceWaiver `json:"waiver,omitempty"`
}

// ComplianceWaiver is a waiver as evidence: who accepted what, until when.
type ComplianceWaiver struct {
	Policy     string `json:"policy"`
	Reason     string `json:"reason"`
	ApprovedBy string `json:"approvedBy"`
	Expires    string `json:"expires"`
}

func waiverEvidence(w *Waiver) *ComplianceWaiver {
	if w == nil {
		return nil
	}
	return &ComplianceWaiver{Policy: w.Policy, Reason: w.Reason, ApprovedBy: w.ApprovedBy, Expires: w.Expires}
}

// ComplianceInput is what a report says of its own run.
type ComplianceInput struct {
	Subject     ComplianceSubject
	PackName    string
	PackVersion string
	GeneratedAt string
}

// Compliance builds the per-framework report of a check run.
func Compliance(r *Report, in ComplianceInput) (*ComplianceReport, error) {
	out := &ComplianceReport{
		SchemaVersion: ComplianceSchemaVersion, GeneratedAt: in.GeneratedAt, Subject: in.Subject,
		Pack:       CompliancePack{Name: in.PackName, Version: in.PackVersion, Policies: r.Summary.Policies},
		Frameworks: []FrameworkResult{}, Notes: append([]string{}, r.Notes...), Waivers: []ComplianceWaiver{},
	}
	out.Subject.Resources = r.Summary.Resources
	for _, w := range r.ExpiredWaivers {
		out.Waivers = append(out.Waivers, *waiverEvidence(&w))
	}

	// Each policy's own verdict and evidence.
	byPolicy := map[string]*PolicyResult{}
	for _, ev := range r.Evaluations {
		p := ev.Policy
		pr := &PolicyResult{Name: p.Name, Description: p.Description, Enforcement: ev.Enforcement, Checked: ev.Checked}
		byPolicy[p.Name] = pr
		if ev.Enforcement == Disabled {
			out.Pack.Disabled++
		}
	}
	for _, f := range r.Violations {
		if pr := byPolicy[f.Policy]; pr != nil {
			pr.Failures = append(pr.Failures, ComplianceFinding{Subject: Subject{f.URN, f.Type, f.Name}, Message: f.Message})
		}
	}
	for _, f := range r.Waived {
		if pr := byPolicy[f.Policy]; pr != nil {
			pr.Waived = append(pr.Waived, ComplianceFinding{Subject: Subject{f.URN, f.Type, f.Name}, Message: f.Message, Waiver: waiverEvidence(f.Waiver)})
		}
	}
	for _, f := range r.Undecided {
		if pr := byPolicy[f.Policy]; pr != nil {
			pr.Undecided = append(pr.Undecided, ComplianceFinding{Subject: Subject{f.URN, f.Type, f.Name}, Message: f.Message})
		}
	}
	for _, ev := range r.Evaluations {
		pr := byPolicy[ev.Policy.Name]
		switch {
		case ev.Enforcement == Disabled:
			pr.Status = StatusUndecided
			pr.Undecided = append(pr.Undecided, ComplianceFinding{Message: "the pack config disables this policy: nothing was judged"})
		case len(pr.Failures) > 0:
			pr.Status = StatusFail
			pr.Remediation = ev.Policy.Remediation
		case len(pr.Undecided) > 0:
			pr.Status = StatusUndecided
		case len(pr.Waived) > 0:
			pr.Status = StatusWaived
		case len(pr.Checked) > 0:
			pr.Status = StatusPass
		default:
			pr.Status = StatusNotApplicable
		}
	}

	// Framework by framework, control by control.
	type key struct{ fw, id string }
	controls := map[key][]string{}
	for _, ev := range r.Evaluations {
		for _, ref := range ev.Policy.Frameworks {
			fw, id := frameworkOf(ref)
			k := key{fw.ID, id}
			if !slices.Contains(controls[k], ev.Policy.Name) {
				controls[k] = append(controls[k], ev.Policy.Name)
			}
		}
	}
	seenFw := map[string]bool{}
	for _, fw := range Frameworks {
		if seenFw[fw.ID] {
			continue
		}
		seenFw[fw.ID] = true
		catalog, err := Catalog(fw)
		if err != nil {
			return nil, err
		}
		titles := map[string]string{}
		order := map[string]int{}
		for i, e := range catalog {
			titles[e.ID], order[e.ID] = e.Title, i
		}
		res := FrameworkResult{Framework: fw, Controls: []ControlResult{}, NotCovered: []CatalogEntry{}, HasCatalog: catalog != nil}
		for k, names := range controls {
			if k.fw != fw.ID {
				continue
			}
			cr := ControlResult{ID: k.id, Title: titles[k.id], Status: StatusNotApplicable}
			sort.Strings(names)
			for _, n := range names {
				pr := *byPolicy[n]
				cr.Policies = append(cr.Policies, pr)
				if pr.Status.rank() < cr.Status.rank() {
					cr.Status = pr.Status
				}
			}
			res.Controls = append(res.Controls, cr)
		}
		sort.Slice(res.Controls, func(i, j int) bool {
			a, b := res.Controls[i].ID, res.Controls[j].ID
			oa, okA := order[a]
			ob, okB := order[b]
			switch {
			case okA && okB:
				return oa < ob
			case okA != okB:
				return okA // catalogued controls first
			}
			return naturalLess(a, b)
		})
		for _, e := range catalog {
			if e.Kind == "requirement" && len(controls[key{fw.ID, e.ID}]) == 0 {
				res.NotCovered = append(res.NotCovered, e)
			}
		}
		for _, c := range res.Controls {
			res.Summary.InScope++
			switch c.Status {
			case StatusPass:
				res.Summary.Pass++
			case StatusFail:
				res.Summary.Fail++
			case StatusWaived:
				res.Summary.Waived++
			case StatusNotApplicable:
				res.Summary.NotApplicable++
			case StatusUndecided:
				res.Summary.Undecided++
			}
		}
		res.Summary.NotCovered = len(res.NotCovered)
		if len(res.Controls) > 0 || res.HasCatalog {
			out.Frameworks = append(out.Frameworks, res)
		}
	}
	return out, nil
}

// naturalLess orders ids with numbers by value: 2.10 after 2.9.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		na, ra := leadingNumber(a)
		nb, rb := leadingNumber(b)
		switch {
		case na >= 0 && nb >= 0:
			if na != nb {
				return na < nb
			}
			a, b = ra, rb
		case a[0] != b[0]:
			return a[0] < b[0]
		default:
			a, b = a[1:], b[1:]
		}
	}
	return len(a) < len(b)
}

func leadingNumber(s string) (int, string) {
	i := 0
	n := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + int(s[i]-'0')
		i++
	}
	if i == 0 {
		return -1, s
	}
	return n, s[i:]
}

// Failing counts the failing controls across frameworks.
func (c *ComplianceReport) Failing() int {
	n := 0
	for _, f := range c.Frameworks {
		n += f.Summary.Fail
	}
	return n
}

// Seal sets the digest: the SHA-256 of the report's JSON with an empty
// digest, so that two reports of the same verdicts at the same time and
// commit have the same name, and any edit shows.
func (c *ComplianceReport) Seal() error {
	c.Digest = ""
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	c.Digest = "sha256:" + hex.EncodeToString(sum[:])
	return nil
}

// Verify recomputes the digest of a report read back.
func (c *ComplianceReport) Verify() error {
	want := c.Digest
	again := *c
	if err := again.Seal(); err != nil {
		return err
	}
	if again.Digest != want {
		return fmt.Errorf("the report's digest %s does not match its content (%s): it was edited after it was written", want, again.Digest)
	}
	return nil
}

// ReadCompliance reads a JSON compliance report and checks its schema and
// digest.
func ReadCompliance(r io.Reader, name string) (*ComplianceReport, error) {
	var c ComplianceReport
	if err := json.NewDecoder(r).Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: not a compliance report (platform check --format compliance): %v", name, err)
	}
	if c.SchemaVersion != ComplianceSchemaVersion {
		return nil, fmt.Errorf("%s: schemaVersion %d, this platform reads %d", name, c.SchemaVersion, ComplianceSchemaVersion)
	}
	if err := c.Verify(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &c, nil
}
