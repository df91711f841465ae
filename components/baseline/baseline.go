package baseline

import (
	"fmt"
	"strings"

	admissionv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/admissionregistration/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
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
	if err := auditors(ctx, name, parent); err != nil {
		return fail(err)
	}
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{})
}

func meta(name, ns string) *metav1.ObjectMetaArgs {
	return &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(ns)}
}

// namespace creates one namespace and its guardrails.
// peer selects a Flow end's namespaces.
func peer(end string) networkingv1.NetworkPolicyPeerArgs {
	selector := pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String(end)}
	if end == Applications {
		selector = pulumi.StringMap{TierLabel: pulumi.String("application")}
	}
	return networkingv1.NetworkPolicyPeerArgs{NamespaceSelector: &metav1.LabelSelectorArgs{MatchLabels: selector}}
}

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
	// The namespace's default service account mounts no token: a pod
	// that calls the API names its own service account and says so.
	if _, err := corev1.NewServiceAccountPatch(ctx, name+"-default-sa", &corev1.ServiceAccountPatchArgs{
		Metadata:                     &metav1.ObjectMetaPatchArgs{Name: pulumi.String("default"), Namespace: pulumi.String(n.Name)},
		AutomountServiceAccountToken: pulumi.Bool(false),
	}, parent, in); err != nil {
		return err
	}
	if n.Developers {
		// Read-only for the namespace's developers: the built-in view
		// role (no Secrets, no exec), bound to their group here only.
		if _, err := rbacv1.NewRoleBinding(ctx, name+"-developers", &rbacv1.RoleBindingArgs{
			Metadata: meta("platform-developers", n.Name),
			RoleRef:  &rbacv1.RoleRefArgs{ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String("ClusterRole"), Name: pulumi.String("view")},
			Subjects: rbacv1.SubjectArray{group(DevelopersGroup(n.Name))},
		}, parent, in); err != nil {
			return err
		}
	}
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
	ports := func(ps []int) networkingv1.NetworkPolicyPortArray {
		var out networkingv1.NetworkPolicyPortArray
		for _, p := range ps {
			out = append(out, port(p, tcp))
		}
		return out
	}
	if n.AWSAPIs {
		// AWS APIs that have no VPC endpoint here, through the NAT
		// gateways; HTTPS only.
		egress = append(egress, networkingv1.NetworkPolicyEgressRuleArgs{
			To: networkingv1.NetworkPolicyPeerArray{cidr("0.0.0.0/0")}, Ports: ports([]int{443}),
		})
	}
	if n.Kubelets {
		egress = append(egress, networkingv1.NetworkPolicyEgressRuleArgs{To: networkingv1.NetworkPolicyPeerArray{cidr(a.VpcCidr)}, Ports: ports([]int{10250})})
	}
	if n.Scraper {
		egress = append(egress,
			networkingv1.NetworkPolicyEgressRuleArgs{To: networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{NamespaceSelector: &metav1.LabelSelectorArgs{}}}},
			networkingv1.NetworkPolicyEgressRuleArgs{To: networkingv1.NetworkPolicyPeerArray{cidr(a.VpcCidr)}, Ports: ports([]int{9100, 10250})},
		)
	}
	sameNamespace := networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{PodSelector: &metav1.LabelSelectorArgs{}}}
	if n.IntraNamespace {
		egress = append(egress, networkingv1.NetworkPolicyEgressRuleArgs{To: sameNamespace})
	}
	ingress := networkingv1.NetworkPolicyIngressRuleArray{
		// Metrics are scraped from the monitoring namespace.
		networkingv1.NetworkPolicyIngressRuleArgs{
			From: networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{
				NamespaceSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String("monitoring")}},
			}},
		},
	}
	if len(n.ServicePorts) > 0 {
		// The load balancers reach the pods (IP targets) from the public
		// subnets, on the service ports only.
		var from networkingv1.NetworkPolicyPeerArray
		for _, c := range a.PublicCidrs {
			from = append(from, cidr(c))
		}
		ingress = append(ingress, networkingv1.NetworkPolicyIngressRuleArgs{From: from, Ports: ports(n.ServicePorts)})
	}
	if len(n.WebhookPorts) > 0 {
		// The control plane calls webhooks from its network interfaces
		// in the VPC.
		ingress = append(ingress, networkingv1.NetworkPolicyIngressRuleArgs{From: networkingv1.NetworkPolicyPeerArray{cidr(a.VpcCidr)}, Ports: ports(n.WebhookPorts)})
	}
	if n.IntraNamespace {
		ingress = append(ingress, networkingv1.NetworkPolicyIngressRuleArgs{From: sameNamespace})
	}
	for _, f := range a.Flows {
		if matches(f.From, n) {
			egress = append(egress, networkingv1.NetworkPolicyEgressRuleArgs{To: networkingv1.NetworkPolicyPeerArray{peer(f.To)}, Ports: ports(f.Ports)})
		}
		if matches(f.To, n) {
			ingress = append(ingress, networkingv1.NetworkPolicyIngressRuleArgs{From: networkingv1.NetworkPolicyPeerArray{peer(f.From)}, Ports: ports(f.Ports)})
		}
	}
	if _, err := networkingv1.NewNetworkPolicy(ctx, name+"-allow", &networkingv1.NetworkPolicyArgs{
		Metadata: meta("platform-allow", n.Name),
		Spec: &networkingv1.NetworkPolicySpecArgs{
			PodSelector: &metav1.LabelSelectorArgs{},
			PolicyTypes: pulumi.StringArray{pulumi.String("Ingress"), pulumi.String("Egress")},
			Egress:      egress,
			Ingress:     ingress,
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
	item := corev1.LimitRangeItemArgs{
		Type:           pulumi.String("Container"),
		DefaultRequest: pulumi.StringMap{"cpu": pulumi.String(l.DefaultRequestCPU), "memory": pulumi.String(l.DefaultRequestMemory)},
	}
	if l.DefaultLimitMemory != "" {
		item.Default = pulumi.StringMap{"memory": pulumi.String(l.DefaultLimitMemory)}
	}
	_, err = corev1.NewLimitRange(ctx, name+"-limits", &corev1.LimitRangeArgs{
		Metadata: meta("platform-limits", n.Name),
		// Default requests; a default memory limit only where the
		// platform runs third-party charts: in an application namespace a
		// container that forgets its memory limit is refused by the
		// admission policy, not silently given one. (No max either: the
		// API server would turn it into a default limit; the quota bounds
		// the namespace.)
		Spec: &corev1.LimitRangeSpecArgs{Limits: corev1.LimitRangeItemArray{item}},
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

func group(name string) rbacv1.SubjectArgs {
	return rbacv1.SubjectArgs{ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String("Group"), Name: pulumi.String(name)}
}

// AuditorRules are what auditors read: every kind the platform runs,
// RBAC and admission configuration included, never Secrets' values, and
// no verb that changes anything or reaches into a pod.
var AuditorRules = []struct{ Groups, Resources []string }{
	{[]string{""}, []string{"namespaces", "nodes", "pods", "services", "endpoints", "events", "serviceaccounts", "configmaps",
		"resourcequotas", "limitranges", "persistentvolumes", "persistentvolumeclaims"}},
	{[]string{"apps", "batch", "autoscaling", "policy", "networking.k8s.io", "storage.k8s.io", "discovery.k8s.io"}, []string{"*"}},
	{[]string{"rbac.authorization.k8s.io"}, []string{"roles", "rolebindings", "clusterroles", "clusterrolebindings"}},
	{[]string{"admissionregistration.k8s.io"}, []string{"*"}},
	{[]string{"apiextensions.k8s.io"}, []string{"customresourcedefinitions"}},
	{[]string{"external-secrets.io"}, []string{"externalsecrets", "secretstores", "clustersecretstores"}},
}

// auditors gives the auditors' group read-only access to the cluster.
func auditors(ctx *pulumi.Context, name string, parent pulumi.ResourceOption) error {
	var rules rbacv1.PolicyRuleArray
	for _, r := range AuditorRules {
		rules = append(rules, rbacv1.PolicyRuleArgs{
			ApiGroups: pulumi.ToStringArray(r.Groups), Resources: pulumi.ToStringArray(r.Resources),
			Verbs: pulumi.ToStringArray([]string{"get", "list", "watch"}),
		})
	}
	role, err := rbacv1.NewClusterRole(ctx, name+"-auditor", &rbacv1.ClusterRoleArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("platform:auditor")},
		Rules:    rules,
	}, parent)
	if err != nil {
		return err
	}
	_, err = rbacv1.NewClusterRoleBinding(ctx, name+"-auditors", &rbacv1.ClusterRoleBindingArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("platform:auditors")},
		RoleRef:  &rbacv1.RoleRefArgs{ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String("ClusterRole"), Name: pulumi.String("platform:auditor")},
		Subjects: rbacv1.SubjectArray{group(AuditorsGroup)},
	}, parent, pulumi.DependsOn([]pulumi.Resource{role}))
	return err
}
