package baseline

import (
	"fmt"
	"strings"

	admissionv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/admissionregistration/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TierLabel marks application namespaces, which the admission policy's
// deny binding selects.
const TierLabel = "platform/tier"

// Baseline is the namespaces and guardrails of a cluster.
type Baseline struct {
	pulumi.ResourceState
}

// NewBaseline creates every namespace with its guardrails, and the
// admission policy with its deny and audit bindings. Pass the cluster's
// Kubernetes provider in opts.
func NewBaseline(ctx *pulumi.Context, name string, args *BaselineArgs, opts ...pulumi.ResourceOption) (*Baseline, error) {
	if args == nil {
		args = &BaselineArgs{}
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("baseline %s: %w", name, err)
	}
	a := *args
	b := &Baseline{}
	if err := ctx.RegisterComponentResourceV2("platform:baseline:Baseline", name, nil, b, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(b)
	fail := func(err error) (*Baseline, error) { return nil, fmt.Errorf("baseline %s: %w", name, err) }
	for _, ns := range a.Namespaces {
		if err := namespace(ctx, name+"-"+ns.Name, a, ns, parent); err != nil {
			return fail(err)
		}
	}
	if err := admission(ctx, name, a, parent); err != nil {
		return fail(err)
	}
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{})
}

func meta(name, ns string) *metav1.ObjectMetaArgs {
	return &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(ns)}
}

// namespace creates one namespace and its guardrails.
func namespace(ctx *pulumi.Context, name string, a BaselineArgs, n Namespace, parent pulumi.ResourceOption) error {
	pss := "v" + a.KubernetesVersion
	tier := "platform"
	if n.Application {
		tier = "application"
	}
	labels := pulumi.StringMap{
		"pod-security.kubernetes.io/enforce":         pulumi.String(n.PodSecurity),
		"pod-security.kubernetes.io/enforce-version": pulumi.String(pss),
		// Audit and warn at restricted everywhere, so a namespace allowed
		// more still shows what it would break.
		"pod-security.kubernetes.io/audit":         pulumi.String(Restricted),
		"pod-security.kubernetes.io/audit-version": pulumi.String(pss),
		"pod-security.kubernetes.io/warn":          pulumi.String(Restricted),
		"pod-security.kubernetes.io/warn-version":  pulumi.String(pss),
		TierLabel: pulumi.String(tier),
	}
	annotations := pulumi.StringMap{}
	if n.Reason != "" {
		annotations["platform/pod-security-reason"] = pulumi.String(n.Reason)
	}
	nsRes, err := corev1.NewNamespace(ctx, name, &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(n.Name), Labels: labels, Annotations: annotations},
	}, parent)
	if err != nil {
		return err
	}
	in := pulumi.DependsOn([]pulumi.Resource{nsRes})
	tcp, udp := pulumi.String("TCP"), pulumi.String("UDP")
	port := func(p int, proto pulumi.StringInput) networkingv1.NetworkPolicyPortArgs {
		return networkingv1.NetworkPolicyPortArgs{Port: pulumi.Int(p), Protocol: proto}
	}
	cidr := func(c string) networkingv1.NetworkPolicyPeerArgs {
		return networkingv1.NetworkPolicyPeerArgs{IpBlock: &networkingv1.IPBlockArgs{Cidr: pulumi.String(c)}}
	}
	// Default deny, both ways: every flow below is an explicit allow.
	if _, err := networkingv1.NewNetworkPolicy(ctx, name+"-default-deny", &networkingv1.NetworkPolicyArgs{
		Metadata: meta("default-deny", n.Name),
		Spec: &networkingv1.NetworkPolicySpecArgs{
			PodSelector: &metav1.LabelSelectorArgs{},
			PolicyTypes: pulumi.StringArray{pulumi.String("Ingress"), pulumi.String("Egress")},
		},
	}, parent, in); err != nil {
		return err
	}
	egress := networkingv1.NetworkPolicyEgressRuleArray{
		// DNS to CoreDNS only.
		networkingv1.NetworkPolicyEgressRuleArgs{
			To: networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{
				NamespaceSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String("kube-system")}},
				PodSelector:       &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"k8s-app": pulumi.String("kube-dns")}},
			}},
			Ports: networkingv1.NetworkPolicyPortArray{port(53, udp), port(53, tcp)},
		},
		// The API server and the VPC endpoints (STS, Secrets Manager, ECR,
		// KMS, Logs), inside the VPC on 443.
		networkingv1.NetworkPolicyEgressRuleArgs{
			To:    networkingv1.NetworkPolicyPeerArray{cidr(a.VpcCidr)},
			Ports: networkingv1.NetworkPolicyPortArray{port(443, tcp)},
		},
	}
	if len(n.DataPorts) > 0 && len(a.DataCidrs) > 0 {
		var to networkingv1.NetworkPolicyPeerArray
		for _, c := range a.DataCidrs {
			to = append(to, cidr(c))
		}
		var ports networkingv1.NetworkPolicyPortArray
		for _, p := range n.DataPorts {
			ports = append(ports, port(p, tcp))
		}
		egress = append(egress, networkingv1.NetworkPolicyEgressRuleArgs{To: to, Ports: ports})
	}
	if _, err := networkingv1.NewNetworkPolicy(ctx, name+"-allow", &networkingv1.NetworkPolicyArgs{
		Metadata: meta("platform-allow", n.Name),
		Spec: &networkingv1.NetworkPolicySpecArgs{
			PodSelector: &metav1.LabelSelectorArgs{},
			PolicyTypes: pulumi.StringArray{pulumi.String("Ingress"), pulumi.String("Egress")},
			Egress:      egress,
			// Metrics are scraped from the monitoring namespace.
			Ingress: networkingv1.NetworkPolicyIngressRuleArray{networkingv1.NetworkPolicyIngressRuleArgs{
				From: networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{
					NamespaceSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String("monitoring")}},
				}},
			}},
		},
	}, parent, in); err != nil {
		return err
	}
	q := n.Quota
	if _, err := corev1.NewResourceQuota(ctx, name+"-quota", &corev1.ResourceQuotaArgs{
		Metadata: meta("platform-quota", n.Name),
		// No limits.cpu: a CPU limit throttles for nothing, and a quota on
		// it would refuse every pod without one.
		Spec: &corev1.ResourceQuotaSpecArgs{Hard: pulumi.StringMap{
			"requests.cpu": pulumi.String(q.RequestsCPU), "requests.memory": pulumi.String(q.RequestsMemory),
			"limits.memory": pulumi.String(q.LimitsMemory),
			"pods":          pulumi.String(fmt.Sprint(q.Pods)),
		}},
	}, parent, in); err != nil {
		return err
	}
	l := n.Limits
	_, err = corev1.NewLimitRange(ctx, name+"-limits", &corev1.LimitRangeArgs{
		Metadata: meta("platform-limits", n.Name),
		// Default requests only: a container that forgets its memory
		// limit is refused by the admission policy, not silently given one.
		// (No max either: the API server would turn it into a default
		// limit; the quota bounds the namespace.)
		Spec: &corev1.LimitRangeSpecArgs{Limits: corev1.LimitRangeItemArray{corev1.LimitRangeItemArgs{
			Type:           pulumi.String("Container"),
			DefaultRequest: pulumi.StringMap{"cpu": pulumi.String(l.DefaultRequestCPU), "memory": pulumi.String(l.DefaultRequestMemory)},
		}}},
	}, parent, in)
	return err
}

// Validations are the pod rules admission enforces, each a CEL expression
// over every container (init containers included) and its message.
func Validations(registries []string) [][2]string {
	quoted := make([]string, len(registries))
	for i, r := range registries {
		quoted[i] = "'" + strings.ReplaceAll(r, "'", "") + "'"
	}
	return [][2]string{
		{"variables.containers.all(c, c.image.contains('@sha256:') || (c.image.substring(c.image.lastIndexOf('/') + 1).contains(':') && !c.image.endsWith(':latest')))",
			"images are pinned to a version or a digest, never latest"},
		{"variables.containers.all(c, [" + strings.Join(quoted, ", ") + "].exists(r, c.image.startsWith(r)))",
			"images come from the platform's registries: " + strings.Join(registries, ", ")},
		{"variables.containers.all(c, has(c.resources) && has(c.resources.requests) && has(c.resources.limits) && 'cpu' in c.resources.requests && 'memory' in c.resources.requests && 'memory' in c.resources.limits)",
			"every container sets CPU and memory requests and a memory limit"},
		{"variables.containers.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || c.securityContext.privileged == false)",
			"privileged containers are not allowed"},
		{"variables.containers.all(c, has(c.securityContext) && has(c.securityContext.allowPrivilegeEscalation) && c.securityContext.allowPrivilegeEscalation == false)",
			"every container sets allowPrivilegeEscalation false"},
		{"!(has(object.spec.hostNetwork) && object.spec.hostNetwork) && !(has(object.spec.hostPID) && object.spec.hostPID) && !(has(object.spec.hostIPC) && object.spec.hostIPC)",
			"pods do not share the host's network, PID or IPC namespaces"},
	}
}

// admission creates the pod guardrails policy, denying in application
// namespaces and auditing in the platform's own.
func admission(ctx *pulumi.Context, name string, a BaselineArgs, parent pulumi.ResourceOption) error {
	var validations admissionv1.ValidationArray
	for _, v := range Validations(a.Registries) {
		validations = append(validations, admissionv1.ValidationArgs{Expression: pulumi.String(v[0]), Message: pulumi.String(v[1])})
	}
	policy, err := admissionv1.NewValidatingAdmissionPolicy(ctx, name+"-pod-guardrails", &admissionv1.ValidatingAdmissionPolicyArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("platform-pod-guardrails")},
		Spec: &admissionv1.ValidatingAdmissionPolicySpecArgs{
			FailurePolicy: pulumi.String("Fail"),
			MatchConstraints: &admissionv1.MatchResourcesArgs{ResourceRules: admissionv1.NamedRuleWithOperationsArray{admissionv1.NamedRuleWithOperationsArgs{
				ApiGroups: pulumi.StringArray{pulumi.String("")}, ApiVersions: pulumi.StringArray{pulumi.String("v1")},
				Operations: pulumi.StringArray{pulumi.String("CREATE"), pulumi.String("UPDATE")},
				Resources:  pulumi.StringArray{pulumi.String("pods")},
			}}},
			Variables: admissionv1.VariableArray{admissionv1.VariableArgs{
				Name:       pulumi.String("containers"),
				Expression: pulumi.String("object.spec.containers + (has(object.spec.initContainers) ? object.spec.initContainers : [])"),
			}},
			Validations: validations,
		},
	}, parent)
	if err != nil {
		return err
	}
	for _, bind := range []struct {
		suffix, operator string
		actions          []string
	}{
		{"deny", "In", []string{"Deny"}},
		{"audit", "NotIn", []string{"Audit"}},
	} {
		if _, err := admissionv1.NewValidatingAdmissionPolicyBinding(ctx, name+"-pod-guardrails-"+bind.suffix, &admissionv1.ValidatingAdmissionPolicyBindingArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("platform-pod-guardrails-" + bind.suffix)},
			Spec: &admissionv1.ValidatingAdmissionPolicyBindingSpecArgs{
				PolicyName:        pulumi.String("platform-pod-guardrails"),
				ValidationActions: pulumi.ToStringArray(bind.actions),
				MatchResources: &admissionv1.MatchResourcesArgs{NamespaceSelector: &metav1.LabelSelectorArgs{
					MatchExpressions: metav1.LabelSelectorRequirementArray{metav1.LabelSelectorRequirementArgs{
						Key: pulumi.String(TierLabel), Operator: pulumi.String(bind.operator), Values: pulumi.StringArray{pulumi.String("application")},
					}},
				}},
			},
		}, parent, pulumi.DependsOn([]pulumi.Resource{policy})); err != nil {
			return err
		}
	}
	return nil
}
