package policies

import (
	"regexp"
	"slices"
	"strings"
)

// Resource types of the Kubernetes controls.
const (
	tNamespace     = "kubernetes:core/v1:Namespace"
	tConfigMap     = "kubernetes:core/v1:ConfigMap"
	tPod           = "kubernetes:core/v1:Pod"
	tDeployment    = "kubernetes:apps/v1:Deployment"
	tStatefulSet   = "kubernetes:apps/v1:StatefulSet"
	tDaemonSet     = "kubernetes:apps/v1:DaemonSet"
	tReplicaSet    = "kubernetes:apps/v1:ReplicaSet"
	tJob           = "kubernetes:batch/v1:Job"
	tCronJob       = "kubernetes:batch/v1:CronJob"
	tNetworkPolicy = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
	tResourceQuota = "kubernetes:core/v1:ResourceQuota"
	tLimitRange    = "kubernetes:core/v1:LimitRange"
	tCRB           = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
	tPDB           = "kubernetes:policy/v1:PodDisruptionBudget"
	tHPA           = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
	tHelmReleaseV3 = "kubernetes:helm.sh/v3:Release"
	tHelmChartV3   = "kubernetes:helm.sh/v3:Chart"
	tHelmChartV4   = "kubernetes:helm.sh/v4:Chart"
)

// workloadTypes are the resources that carry a pod spec. An Argo Rollout
// carries its pod template at spec.template, as a Deployment does.
var workloadTypes = []string{tPod, tDeployment, tStatefulSet, tDaemonSet, tReplicaSet, tJob, tCronJob, tRollout}

// systemNamespaces belong to Kubernetes and EKS, not to workloads.
var systemNamespaces = []string{"kube-system", "kube-public", "kube-node-lease", "default"}

// podSpec returns the pod spec of a workload.
func podSpec(r *Resource) Value {
	switch r.Type {
	case tPod:
		return r.Get("spec")
	case tCronJob:
		return r.Get("spec", "jobTemplate", "spec", "template", "spec")
	}
	return r.Get("spec", "template", "spec")
}

// containers returns every container and init container of a workload.
func containers(r *Resource) []Value {
	spec := podSpec(r)
	var out []Value
	for _, key := range []string{"initContainers", "containers"} {
		for _, c := range spec.At(key).List() {
			out = append(out, Of(c))
		}
	}
	return out
}

// namespaceOf is a namespaced object's namespace ("default" if unset).
func namespaceOf(r *Resource) string {
	if ns := r.Get("metadata", "namespace").Str(); ns != "" {
		return ns
	}
	return "default"
}

// namespaceName is a Namespace's own name (metadata.name, else the
// logical name, as Pulumi auto-names it from there).
func namespaceName(r *Resource) string {
	if n := r.Get("metadata", "name").Str(); n != "" {
		return n
	}
	return r.Name
}

var pinnedImage = regexp.MustCompile(`(@sha256:[0-9a-f]{64}$)|(:[\w][\w.-]{0,127}$)`)

func init() {
	register(
		&Policy{
			Name:        "k8s-non-root-no-escalation",
			Description: "Containers run as non-root, without privilege escalation, and are not privileged.",
			Severity:    High, Enforcement: Mandatory, Control: 64,
			Frameworks:  []string{"CKV_K8S_23", "CKV_K8S_20", "CKV_K8S_16", "KSV-0012", "KSV-0001", "KSV-0017"},
			Remediation: "Set securityContext runAsNonRoot true, allowPrivilegeEscalation false and privileged false on every container.",
			Types:       workloadTypes,
			Resource: func(c *Check, r *Resource) {
				podNonRoot := podSpec(r).At("securityContext", "runAsNonRoot").Bool()
				for _, ctr := range containers(r) {
					sc := ctr.At("securityContext")
					name := ctr.At("name").Str()
					if !podNonRoot && !sc.At("runAsNonRoot").Bool() {
						c.Fail(r, "container %s may run as root", name)
					}
					if v := sc.At("allowPrivilegeEscalation"); !v.Present() || v.Bool() {
						c.Fail(r, "container %s allows privilege escalation", name)
					}
					if sc.At("privileged").Bool() {
						c.Fail(r, "container %s is privileged", name)
					}
				}
			},
		},
		&Policy{
			Name:        "k8s-readonly-caps-seccomp",
			Description: "Containers have a read-only root filesystem, drop all capabilities and use the RuntimeDefault seccomp profile.",
			Severity:    Medium, Enforcement: Mandatory, Control: 65,
			Frameworks:  []string{"CKV_K8S_22", "CKV_K8S_37", "CKV_K8S_31", "KSV-0014", "KSV-0003", "KSV-0030"},
			Remediation: "Set readOnlyRootFilesystem true, capabilities.drop [ALL] and seccompProfile.type RuntimeDefault.",
			Types:       workloadTypes,
			Resource: func(c *Check, r *Resource) {
				podSeccomp := podSpec(r).At("securityContext", "seccompProfile", "type").Str()
				for _, ctr := range containers(r) {
					sc := ctr.At("securityContext")
					name := ctr.At("name").Str()
					if !sc.At("readOnlyRootFilesystem").Bool() {
						c.Fail(r, "container %s has a writable root filesystem", name)
					}
					if !slices.Contains(sc.At("capabilities", "drop").Strings(), "ALL") {
						c.Fail(r, "container %s does not drop all capabilities", name)
					}
					if seccomp := sc.At("seccompProfile", "type").Str(); seccomp != "RuntimeDefault" && !(seccomp == "" && podSeccomp == "RuntimeDefault") {
						c.Fail(r, "container %s does not use the RuntimeDefault seccomp profile", name)
					}
				}
			},
		},
		&Policy{
			Name:        "k8s-no-host-namespaces",
			Description: "Pods do not share the host's network, PID or IPC namespaces.",
			Severity:    High, Enforcement: Mandatory, Control: 66,
			Frameworks:  []string{"CKV_K8S_17", "CKV_K8S_18", "CKV_K8S_19", "KSV-0009"},
			Remediation: "Remove hostNetwork, hostPID and hostIPC.",
			Types:       workloadTypes,
			Resource: func(c *Check, r *Resource) {
				spec := podSpec(r)
				for _, k := range []string{"hostNetwork", "hostPID", "hostIPC"} {
					if spec.At(k).Bool() {
						c.Fail(r, "the pod uses %s", k)
					}
				}
			},
		},
		&Policy{
			Name:        "k8s-resources-set",
			Description: "Containers set CPU and memory requests and limits.",
			Severity:    Medium, Enforcement: Advisory, Control: 67,
			Frameworks:  []string{"CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13"},
			Remediation: "Set resources.requests and resources.limits for cpu and memory.",
			Types:       workloadTypes,
			Resource: func(c *Check, r *Resource) {
				for _, ctr := range containers(r) {
					for _, kind := range []string{"requests", "limits"} {
						for _, res := range []string{"cpu", "memory"} {
							if !ctr.At("resources", kind, res).Present() {
								c.Fail(r, "container %s has no %s %s", ctr.At("name").Str(), res, strings.TrimSuffix(kind, "s"))
							}
						}
					}
				}
			},
		},
		&Policy{
			Name:        "k8s-namespace-default-deny",
			Description: "Every workload namespace has a default-deny NetworkPolicy.",
			Severity:    High, Enforcement: Mandatory, Control: 68,
			Frameworks:  []string{"kube-score pod-networkpolicy", "Polaris missingNetworkPolicy", "kubescape C-0030"},
			Remediation: "Add a NetworkPolicy with an empty podSelector, policyTypes [Ingress, Egress] and no rules, then allow what each workload needs.",
			Types:       []string{tNamespace},
			Stack: forEachNamespace(func(c *Check, s *Stack, ns *Resource, name string) {
				for _, np := range namespaced(s, tNetworkPolicy, name) {
					spec := np.Get("spec")
					if len(spec.At("podSelector").Map()) == 0 && slices.Contains(spec.At("policyTypes").Strings(), "Ingress") && len(spec.At("ingress").List()) == 0 {
						return
					}
				}
				c.Missing(s, ns, "metadata", []string{tNetworkPolicy}, "namespace %s has no default-deny NetworkPolicy", name)
			}),
		},
		&Policy{
			Name:        "k8s-namespace-pod-security",
			Description: "Workload namespaces enforce the restricted Pod Security Standard.",
			Severity:    Medium, Enforcement: Mandatory, Control: 69,
			Frameworks:  []string{"Kubernetes PSS"},
			Remediation: "Label the namespace pod-security.kubernetes.io/enforce=restricted.",
			Types:       []string{tNamespace},
			Resource: func(c *Check, r *Resource) {
				if slices.Contains(systemNamespaces, namespaceName(r)) {
					return
				}
				if level := r.Get("metadata", "labels", "pod-security.kubernetes.io/enforce").Str(); level != "restricted" {
					c.Fail(r, "namespace %s enforces Pod Security level %q, not restricted", namespaceName(r), level)
				}
			},
		},
		&Policy{
			Name:        "k8s-namespace-quota-limits",
			Description: "Every workload namespace has a ResourceQuota and a LimitRange.",
			Severity:    Low, Enforcement: Advisory, Control: 70,
			Frameworks:  []string{"platform success criterion (resource quotas)"},
			Remediation: "Add a ResourceQuota and a LimitRange to the namespace (components/k8s baseline).",
			Types:       []string{tNamespace},
			Stack: forEachNamespace(func(c *Check, s *Stack, ns *Resource, name string) {
				for _, kind := range []string{tResourceQuota, tLimitRange} {
					if len(namespaced(s, kind, name)) == 0 {
						c.Missing(s, ns, "metadata", []string{kind}, "namespace %s has no %s", name, kind[strings.LastIndex(kind, ":")+1:])
					}
				}
			}),
		},
		&Policy{
			Name:        "k8s-image-pinned",
			Description: "Container images are pinned to a version or digest, never latest.",
			Severity:    High, Enforcement: Mandatory, Control: 71,
			Frameworks:  []string{"CKV_K8S_14", "CKV_K8S_43", "platform success criterion"},
			Remediation: "Reference images as repo:1.2.3 or repo@sha256:<digest>.",
			Types:       workloadTypes,
			Resource: func(c *Check, r *Resource) {
				for _, ctr := range containers(r) {
					img := ctr.At("image")
					if img.Unknown() {
						continue
					}
					ref := img.Str()
					last := ref[strings.LastIndex(ref, "/")+1:]
					if !pinnedImage.MatchString(last) || strings.HasSuffix(last, ":latest") {
						c.Fail(r, "container %s uses unpinned image %q", ctr.At("name").Str(), ref)
					}
				}
			},
		},
		&Policy{
			Name:        "k8s-no-cluster-admin-binding",
			Description: "No workload service account or user is bound to cluster-admin.",
			Severity:    Critical, Enforcement: Mandatory, Control: 72,
			Frameworks:  []string{"kubescape C-0035"},
			Remediation: "Bind a namespaced Role with the verbs the workload needs.",
			Types:       []string{tCRB},
			Resource: func(c *Check, r *Resource) {
				if r.Get("roleRef", "name").Str() != "cluster-admin" {
					return
				}
				for _, s := range r.Get("subjects").List() {
					v := Of(s)
					if v.At("kind").Str() == "Group" && strings.HasPrefix(v.At("name").Str(), "system:") {
						continue
					}
					c.Fail(r, "%s %s is bound to cluster-admin", v.At("kind").Str(), v.At("name").Str())
				}
			},
		},
		&Policy{
			Name:        "k8s-no-token-automount",
			Description: "Pods do not mount a service account token unless they declare they need one.",
			Severity:    Low, Enforcement: Advisory, Control: 72,
			Frameworks:  []string{"kubescape C-0034", "CKV_K8S_38"},
			Remediation: "Set automountServiceAccountToken false on the pod spec (true only where the workload calls the API).",
			Types:       workloadTypes,
			Resource: func(c *Check, r *Resource) {
				if v := podSpec(r).At("automountServiceAccountToken"); !v.Present() || v.Bool() {
					c.Fail(r, "the pod mounts a service account token by default")
				}
			},
		},
		&Policy{
			Name:        "k8s-pdb-and-hpa",
			Description: "Deployments and Rollouts have a PodDisruptionBudget and an autoscaler (HPA or KEDA ScaledObject) with at least two replicas.",
			Severity:    Medium, Enforcement: Advisory, Control: 73,
			Frameworks:  []string{"kube-score", "Polaris", "platform success criterion"},
			Remediation: "Add a PodDisruptionBudget selecting the pods and a HorizontalPodAutoscaler (minReplicas) or ScaledObject (minReplicaCount) of 2 or more.",
			Types:       []string{tDeployment, tRollout},
			Stack: func(c *Check, s *Stack) {
				for _, d := range s.OfType(tDeployment, tRollout) {
					if managedByRollout(s, d) {
						continue // a Rollout's workloadRef: the Rollout runs its pods
					}
					targeted, atLeastTwo := autoscaledToTwo(s, d)
					// An autoscaled workload's budget is scaling-has-pdb's
					// (control 82), judged from its autoscaler.
					if !targeted && !coveredByPDB(s, namespaceOf(d), podLabels(s, d)) {
						c.Fail(d, "no PodDisruptionBudget covers the %s's pods", strings.ToLower(shortType(d.Type)))
					}
					if !atLeastTwo {
						c.Fail(d, "no autoscaler keeps at least two replicas of the %s", strings.ToLower(shortType(d.Type)))
					}
				}
			},
		},
		&Policy{
			Name:        "helm-chart-pinned",
			Description: "Helm releases and charts pin their chart version.",
			Severity:    Medium, Enforcement: Mandatory, Control: 74,
			Frameworks:  []string{"platform success criterion (pin versions)"},
			Remediation: "Set version to an exact chart version from config.",
			Types:       []string{tHelmReleaseV3, tHelmChartV3, tHelmChartV4},
			Resource: func(c *Check, r *Resource) {
				v := r.Get("version")
				if v.Unknown() {
					return
				}
				if ver := v.Str(); ver == "" || strings.ContainsAny(ver, "*^~><x") {
					c.Fail(r, "the chart version %q is not pinned", ver)
				}
			},
		},
	)
}

// namespaced returns the resources of a kind in a namespace, from an
// index built once per stack and kind.
func namespaced(s *Stack, kind, ns string) []*Resource {
	idx := s.Memo("namespaced "+kind, func() any {
		out := map[string][]*Resource{}
		for _, r := range s.OfType(kind) {
			out[namespaceOf(r)] = append(out[namespaceOf(r)], r)
		}
		return out
	}).(map[string][]*Resource)
	return idx[ns]
}

// forEachNamespace applies a check to every workload namespace.
func forEachNamespace(check func(c *Check, s *Stack, ns *Resource, name string)) func(c *Check, s *Stack) {
	return func(c *Check, s *Stack) {
		for _, ns := range s.OfType(tNamespace) {
			name := namespaceName(ns)
			if slices.Contains(systemNamespaces, name) {
				continue
			}
			check(c, s, ns, name)
		}
	}
}
