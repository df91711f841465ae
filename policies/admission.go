package policies

import (
	"slices"
	"strings"
)

// Resource types of the admission control (control 83).
const (
	tVAP        = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy"
	tVAPBinding = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding"
)

// runtimeGuardrails are what the admission policy must check at run time,
// each the runtime side of a control the pack checks before deploy: a
// CEL fragment its validations must contain, and what it stands for.
var runtimeGuardrails = []struct{ fragment, what string }{
	{"@sha256:", "pinned images (control 71)"},
	{"c.image.startsWith(", "images from the platform's registries (control 71)"},
	{"c.resources.limits", "requests and limits (control 67)"},
	{"securityContext.privileged", "no privileged containers (control 64)"},
	{"allowPrivilegeEscalation", "no privilege escalation (control 65)"},
	{"object.spec.hostNetwork", "no host namespaces (control 66)"},
}

func init() {
	register(&Policy{
		Name:        "k8s-admission-enforced",
		Description: "Application namespaces are guarded at run time: a ValidatingAdmissionPolicy that fails closed on every pod created or updated checks what controls 64-67 and 71 check before deploy, and a binding denies (not only audits) in every application namespace.",
		Severity:    High, Enforcement: Mandatory, Control: 83,
		Frameworks:  []string{"Kubernetes ValidatingAdmissionPolicy", "Pod Security Standards"},
		Remediation: "Keep components/baseline's platform-pod-guardrails policy (failurePolicy Fail, pods on CREATE and UPDATE, every guardrail) and its binding with validationActions [Deny] selecting namespaces labelled platform/tier=application.",
		Types:       []string{tNamespace, tVAP, tVAPBinding},
		Stack:       checkAdmission,
	})
}

func checkAdmission(c *Check, s *Stack) {
	var apps []string
	for _, ns := range s.OfType(tNamespace) {
		if ns.Get("metadata", "labels", tierLabel).Str() == "application" {
			apps = append(apps, ns.Get("metadata", "name").Str())
		}
	}
	if len(apps) == 0 {
		return
	}
	guards := map[string]bool{}
	for _, p := range s.OfType(tVAP) {
		name := p.Get("metadata", "name")
		if name.Unknown() {
			c.Undecided(p, "metadata.name")
			continue
		}
		if !coversPods(p.Get("spec", "matchConstraints", "resourceRules")) {
			continue
		}
		if fp := p.Get("spec", "failurePolicy").Str(); fp == "Ignore" {
			c.Fail(p, "spec.failurePolicy is Ignore: a pod is admitted unchecked whenever the policy cannot be evaluated")
			continue
		}
		var expressions strings.Builder
		for _, v := range p.Get("spec", "validations").List() {
			expressions.WriteString(Of(v).At("expression").Str())
			expressions.WriteString("\n")
		}
		var missing []string
		for _, g := range runtimeGuardrails {
			if !strings.Contains(expressions.String(), g.fragment) {
				missing = append(missing, g.what)
			}
		}
		if len(missing) > 0 {
			c.Fail(p, "spec.validations do not check %s at run time", strings.Join(missing, ", "))
			continue
		}
		guards[name.Str()] = true
	}
	for _, b := range s.OfType(tVAPBinding) {
		policy := b.Get("spec", "policyName")
		if policy.Unknown() {
			c.Undecided(b, "spec.policyName")
			continue
		}
		if guards[policy.Str()] && slices.Contains(b.Get("spec", "validationActions").Strings(), "Deny") &&
			selectsApplications(b.Get("spec", "matchResources", "namespaceSelector")) {
			return
		}
	}
	c.Absent(s, "no ValidatingAdmissionPolicyBinding denies (validationActions Deny) pods that break the guardrails in the application namespaces %s", strings.Join(apps, ", "))
}

// coversPods: a resource rule matches pods on CREATE.
func coversPods(rules Value) bool {
	for _, r := range rules.List() {
		rule := Of(r)
		resources, ops := rule.At("resources").Strings(), rule.At("operations").Strings()
		if (slices.Contains(resources, "pods") || slices.Contains(resources, "*")) &&
			(slices.Contains(ops, "CREATE") || slices.Contains(ops, "*")) {
			return true
		}
	}
	return false
}

// selectsApplications: the namespace selector picks namespaces labelled
// platform/tier=application.
func selectsApplications(sel Value) bool {
	if sel.At("matchLabels", tierLabel).Str() == "application" {
		return true
	}
	for _, e := range sel.At("matchExpressions").List() {
		expr := Of(e)
		if expr.At("key").Str() == tierLabel && expr.At("operator").Str() == "In" && slices.Contains(expr.At("values").Strings(), "application") {
			return true
		}
	}
	return false
}
