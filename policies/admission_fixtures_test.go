package policies

import "strings"

func init() { moreFixtures = append(moreFixtures, admissionFixtures) }

// guardrailExpressions are components/baseline's validations, abridged to
// the fragments the policy looks for.
var guardrailExpressions = []string{
	"variables.containers.all(c, c.image.contains('@sha256:'))",
	"variables.containers.all(c, ['123456789012.dkr.ecr.us-east-1.amazonaws.com/'].exists(r, c.image.startsWith(r)))",
	"variables.containers.all(c, has(c.resources.limits) && 'memory' in c.resources.limits)",
	"variables.containers.all(c, !has(c.securityContext.privileged) || c.securityContext.privileged == false)",
	"variables.containers.all(c, c.securityContext.allowPrivilegeEscalation == false)",
	"!(has(object.spec.hostNetwork) && object.spec.hostNetwork)",
}

// guardPolicy is the pod guardrails policy, with spec fields replaced
// (nil removes one).
func guardPolicy(expressions []string, spec in) Resource {
	var validations []any
	for _, e := range expressions {
		validations = append(validations, in{"expression": e})
	}
	s := in{
		"failurePolicy": "Fail",
		"matchConstraints": in{"resourceRules": list(in{
			"apiGroups": list(""), "apiVersions": list("v1"), "operations": list("CREATE", "UPDATE"), "resources": list("pods"),
		})},
		"validations": validations,
	}
	for k, v := range spec {
		if v == nil {
			delete(s, k)
		} else {
			s[k] = v
		}
	}
	return R(tVAP, "guardrails", in{"metadata": in{"name": "platform-pod-guardrails"}, "spec": s})
}

// guardBinding binds the policy with the given actions to namespaces the
// selector picks.
func guardBinding(name string, actions []any, selector in) Resource {
	return R(tVAPBinding, name, in{"metadata": in{"name": name}, "spec": in{
		"policyName": "platform-pod-guardrails", "validationActions": actions,
		"matchResources": in{"namespaceSelector": selector},
	}})
}

func appNamespace(name string) Resource {
	return R(tNamespace, name, in{"metadata": in{"name": name, "labels": in{tierLabel: "application"}}})
}

func admissionFixtures() []fixture {
	apps := in{"matchExpressions": list(in{"key": tierLabel, "operator": "In", "values": list("application")})}
	others := in{"matchExpressions": list(in{"key": tierLabel, "operator": "NotIn", "values": list("application")})}
	deny := guardBinding("deny", list("Deny"), apps)
	withoutHost := guardrailExpressions[:len(guardrailExpressions)-1]
	return []fixture{
		pass("k8s-admission-enforced", "the baseline's policy denies in application namespaces and audits elsewhere",
			appNamespace("mita"), guardPolicy(guardrailExpressions, nil), deny, guardBinding("audit", list("Audit"), others)),
		pass("k8s-admission-enforced", "no application namespace, nothing to guard",
			R(tNamespace, "monitoring", in{"metadata": in{"name": "monitoring", "labels": in{tierLabel: "platform"}}})),
		pass("k8s-admission-enforced", "selected by matchLabels",
			appNamespace("mita"), guardPolicy(guardrailExpressions, nil), guardBinding("deny", list("Deny", "Audit"), in{"matchLabels": in{tierLabel: "application"}})),
		fail("k8s-admission-enforced", "no admission policy at all", appNamespace("mita")),
		fail("k8s-admission-enforced", "the binding only audits",
			appNamespace("mita"), guardPolicy(guardrailExpressions, nil), guardBinding("audit", list("Audit", "Warn"), apps)),
		fail("k8s-admission-enforced", "the denying binding selects the platform's namespaces only",
			appNamespace("mita"), guardPolicy(guardrailExpressions, nil), guardBinding("deny", list("Deny"), others)),
		fail("k8s-admission-enforced", "fails open",
			appNamespace("mita"), guardPolicy(guardrailExpressions, in{"failurePolicy": "Ignore"}), deny),
		fail("k8s-admission-enforced", "host namespaces not checked",
			appNamespace("mita"), guardPolicy(withoutHost, nil), deny),
		fail("k8s-admission-enforced", "matches deployments, not the pods every controller creates",
			appNamespace("mita"), guardPolicy(guardrailExpressions, in{"matchConstraints": in{"resourceRules": list(in{
				"apiGroups": list("apps"), "apiVersions": list("v1"), "operations": list("CREATE"), "resources": list("deployments"),
			})}}), deny),
		fail("k8s-admission-enforced", "registries not checked",
			appNamespace("mita"), guardPolicy([]string{strings.Join(guardrailExpressions[:1], ""), guardrailExpressions[2], guardrailExpressions[3], guardrailExpressions[4], guardrailExpressions[5]}, nil), deny),
	}
}
