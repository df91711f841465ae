package policies

import (
	"fmt"
	"slices"
	"strings"
)

// Resource types of the delivery controls (81, 82) and of Kubernetes
// Secrets. Custom resources (Argo CD, Argo Rollouts, KEDA) have the same
// inputs in a Pulumi plan (apiextensions.CustomResource: apiVersion, kind,
// metadata, spec at the top level) as in rendered manifests.
const (
	tRollout      = "kubernetes:argoproj.io/v1alpha1:Rollout"
	tScaledObject = "kubernetes:keda.sh/v1alpha1:ScaledObject"
	tHPAv1        = "kubernetes:autoscaling/v1:HorizontalPodAutoscaler"
	tK8sSecret    = "kubernetes:core/v1:Secret"
	tAppProject   = "kubernetes:argoproj.io/v1alpha1:AppProject"
	// tAppProjectPatch is a server-side patch of a project Pulumi does not
	// own (Argo CD's own default project, locked down).
	tAppProjectPatch = "kubernetes:argoproj.io/v1alpha1:AppProjectPatch"
	tApplication     = "kubernetes:argoproj.io/v1alpha1:Application"
	tApplicationSet  = "kubernetes:argoproj.io/v1alpha1:ApplicationSet"
)

// autoscalerTypes scale a workload: KEDA's ScaledObject (which drives an
// HPA of its own) and the HPA itself.
var autoscalerTypes = []string{tScaledObject, tHPA, tHPAv1}

// minReplicas is the fewest replicas an autoscaled workload may run: one
// replica leaves nothing serving while it is evicted or rescheduled.
const minReplicas = 2

// KEDA's defaults when a ScaledObject leaves the counts unset.
const (
	kedaDefaultMin = 0
	kedaDefaultMax = 100
)

// tierLabel is the label (components/baseline) that says whose a
// namespace, or an Argo CD project, is: application or platform.
const tierLabel = "platform/tier"

func init() {
	register(
		&Policy{
			Name:        "rollout-canary-analysis",
			Description: "Every Argo Rollout judges a new version automatically before it takes all traffic: a canary has an analysis step or a background analysis, a blue-green rollout a pre-promotion analysis.",
			Severity:    High, Enforcement: Mandatory, Control: 82,
			Frameworks:  []string{"platform success criterion (canary)", "Argo Rollouts analysis"},
			Remediation: "Add a step {analysis: {templates: [{templateName: <AnalysisTemplate>}]}} to spec.strategy.canary.steps (or spec.strategy.canary.analysis, with steps to run it during); for blueGreen set spec.strategy.blueGreen.prePromotionAnalysis.",
			Types:       []string{tRollout},
			Resource:    checkRolloutAnalysis,
		},
		&Policy{
			Name:        "scaling-min-replicas",
			Description: "Every ScaledObject and HorizontalPodAutoscaler keeps at least two replicas, never scales to an idle count, and its floors (minimum, scheduled cron replicas) stay within its maximum.",
			Severity:    Medium, Enforcement: Mandatory, Control: 82,
			Frameworks:  []string{"platform success criterion (HPA)", "kube-score", "Gatekeeper k8shorizontalpodautoscaler"},
			Remediation: "Set minReplicaCount (ScaledObject) or minReplicas (HPA) to 2 or more, no idleReplicaCount, and keep minReplicaCount and every cron trigger's desiredReplicas at or below maxReplicaCount.",
			Types:       autoscalerTypes,
			Resource:    checkScalingReplicas,
		},
		&Policy{
			Name:        "scaling-has-pdb",
			Description: "The workload every ScaledObject and HorizontalPodAutoscaler scales has a PodDisruptionBudget in its namespace that selects its pods.",
			Severity:    Medium, Enforcement: Mandatory, Control: 82,
			Frameworks:  []string{"kube-score deployment-has-poddisruptionbudget", "platform success criterion (HPA)"},
			Remediation: "Add a policy/v1 PodDisruptionBudget in the workload's namespace whose selector matches the pod template's labels (minAvailable 1, or maxUnavailable 1).",
			Types:       autoscalerTypes,
			Stack: func(c *Check, s *Stack) {
				for _, a := range s.OfType(autoscalerTypes...) {
					kind, name := scaleTarget(a)
					ns := namespaceOf(a)
					w := workloadNamed(s, kind, ns, name)
					if w == nil {
						c.undecidedBecause(a, fmt.Sprintf("its scale target (spec.scaleTargetRef: %s %s/%s) is not in this view, so which pods a PodDisruptionBudget must select is not known", kind, ns, name))
						continue
					}
					if !coveredByPDB(s, ns, podLabels(s, w)) {
						c.Fail(a, "no PodDisruptionBudget in namespace %s selects the pods of its scale target (spec.scaleTargetRef: %s %s): a node drain may evict every replica at once", ns, kind, name)
					}
				}
			},
		},
		&Policy{
			Name:        "k8s-no-literal-secrets",
			Description: "Application namespaces hold no Secret with literal values: their secrets come from Secrets Manager through an ExternalSecret.",
			Severity:    High, Enforcement: Mandatory, Control: 62,
			Frameworks:  []string{"platform success criterion", "External Secrets Operator"},
			Remediation: "Keep the value in Secrets Manager and declare an ExternalSecret (external-secrets.io/v1) from the ClusterSecretStore whose target is the Secret; never put data or stringData (or a secretGenerator) in Git or in the program.",
			Types:       []string{tK8sSecret},
			Stack: func(c *Check, s *Stack) {
				tiers := namespaceTiers(s)
				for _, sec := range s.OfType(tK8sSecret) {
					ns := namespaceOf(sec)
					if slices.Contains(systemNamespaces, ns) {
						continue
					}
					if tier, declared := tiers[ns]; declared && tier != "application" {
						continue // a platform namespace: the platform's own secrets
					}
					var keys []string
					for _, field := range []string{"data", "stringData"} {
						v := sec.Get(field)
						if v.Unknown() {
							keys = append(keys, field+" (known at deploy)")
							continue
						}
						if str, ok := v.Raw().(string); ok && str != "" {
							keys = append(keys, field) // the whole field is a secret value
							continue
						}
						for k := range v.Map() {
							keys = append(keys, field+"."+k)
						}
					}
					if len(keys) == 0 {
						continue
					}
					slices.Sort(keys)
					c.Fail(sec, "the Secret holds literal values (%s) in application namespace %s: declare an ExternalSecret (external-secrets.io/v1) so the value stays in Secrets Manager", strings.Join(keys, ", "), ns)
				}
			},
		},
		&Policy{
			Name:        "argocd-appproject-guardrails",
			Description: "Argo CD AppProjects name their source repositories and destination namespaces without wildcards, and an application team's project denies every cluster-scoped kind.",
			Severity:    High, Enforcement: Mandatory, Control: 81,
			Frameworks:  []string{"Argo CD security guidance (projects)", "kubescape"},
			Remediation: "List each Git repository in spec.sourceRepos and each destination as {server or name, namespace} with explicit values; leave spec.clusterResourceWhitelist empty (only a project labelled platform/tier=platform may list cluster-scoped kinds).",
			Types:       []string{tAppProject, tAppProjectPatch},
			Resource:    checkAppProject,
		},
		&Policy{
			Name:        "argocd-application-project",
			Description: "No Argo CD Application or ApplicationSet uses the default project, which allows every repository, destination and kind.",
			Severity:    High, Enforcement: Mandatory, Control: 81,
			Frameworks:  []string{"Argo CD security guidance (projects)", "kubescape"},
			Remediation: "Set spec.project (spec.template.spec.project for an ApplicationSet) to the team's AppProject.",
			Types:       []string{tApplication, tApplicationSet},
			Resource: func(c *Check, r *Resource) {
				path := []any{"spec", "project"}
				if r.Type == tApplicationSet {
					path = []any{"spec", "template", "spec", "project"}
				}
				v := r.Get(path...)
				if v.Unknown() {
					c.Undecided(r, pathString(path))
					return
				}
				if p := v.Str(); p == "" || p == "default" {
					c.Fail(r, "%s is %q: the default project allows every repository, destination and cluster-scoped kind", pathString(path), orDefault(p, "default (unset)"))
				}
			},
		},
	)
}

// checkRolloutAnalysis fails a Rollout that can take all traffic without
// an automated analysis.
func checkRolloutAnalysis(c *Check, r *Resource) {
	strategy := r.Get("spec", "strategy")
	if strategy.ContainsUnknown() {
		c.Undecided(r, "spec.strategy")
		return
	}
	canary, blueGreen := strategy.At("canary"), strategy.At("blueGreen")
	switch {
	case canary.Present():
		steps := canary.At("steps").List()
		analysed := false
		for i, step := range steps {
			if a := Of(step).At("analysis"); a.Present() {
				analysed = true
				checkAnalysisTemplates(c, r, a, fmt.Sprintf("spec.strategy.canary.steps[%d].analysis", i))
			}
		}
		if background := canary.At("analysis"); background.Present() {
			checkAnalysisTemplates(c, r, background, "spec.strategy.canary.analysis")
			if !analysed && len(steps) == 0 {
				c.Fail(r, "spec.strategy.canary.analysis runs in the background but spec.strategy.canary.steps is empty: the rollout takes all traffic at once, before the analysis can fail it")
			}
			analysed = true
		}
		if !analysed {
			c.Fail(r, "the canary shifts traffic without an automated analysis: no step of spec.strategy.canary.steps is an analysis step and spec.strategy.canary.analysis is not set")
		}
	case blueGreen.Present():
		pre := blueGreen.At("prePromotionAnalysis")
		if !pre.Present() {
			c.Fail(r, "spec.strategy.blueGreen.prePromotionAnalysis is not set: the new version is promoted without an automated analysis")
			return
		}
		checkAnalysisTemplates(c, r, pre, "spec.strategy.blueGreen.prePromotionAnalysis")
	default:
		c.Fail(r, "spec.strategy names neither canary nor blueGreen")
	}
}

// checkAnalysisTemplates fails an analysis that names no template.
func checkAnalysisTemplates(c *Check, r *Resource, analysis Value, at string) {
	templates := analysis.At("templates").List()
	if len(templates) == 0 {
		c.Fail(r, "%s.templates is empty: the analysis measures nothing", at)
	}
	for i, t := range templates {
		if Of(t).At("templateName").Str() == "" {
			c.Fail(r, "%s.templates[%d].templateName is not set", at, i)
		}
	}
}

// checkScalingReplicas fails an autoscaler that may run fewer than two
// replicas, or whose floors exceed its ceiling.
func checkScalingReplicas(c *Check, r *Resource) {
	spec := r.Get("spec")
	if r.Type == tScaledObject {
		if !c.Known(r, map[string]Value{"spec.minReplicaCount": spec.At("minReplicaCount"), "spec.maxReplicaCount": spec.At("maxReplicaCount")}) {
			return
		}
		minimum, okMin := count(spec.At("minReplicaCount"), kedaDefaultMin)
		maximum, okMax := count(spec.At("maxReplicaCount"), kedaDefaultMax)
		if !okMin || !okMax {
			c.Fail(r, "spec.minReplicaCount and spec.maxReplicaCount must be numbers")
			return
		}
		if minimum < minReplicas {
			c.Fail(r, "spec.minReplicaCount is %s: fewer than %d replicas leave nothing serving while one is evicted", shown(spec.At("minReplicaCount"), minimum, "KEDA's default"), minReplicas)
		}
		if idle := spec.At("idleReplicaCount"); idle.Present() {
			c.Fail(r, "spec.idleReplicaCount is %s: KEDA scales the workload down to it whenever the triggers are idle, below spec.minReplicaCount", idle.Str())
		}
		if minimum > maximum {
			c.Fail(r, "spec.minReplicaCount %s is above spec.maxReplicaCount %s", fmtCount(minimum), shown(spec.At("maxReplicaCount"), maximum, "KEDA's default"))
		}
		for i, t := range spec.At("triggers").List() {
			trigger := Of(t)
			if trigger.At("type").Str() != "cron" {
				continue
			}
			at := fmt.Sprintf("spec.triggers[%d].metadata.desiredReplicas", i)
			v := trigger.At("metadata", "desiredReplicas")
			if v.Unknown() {
				c.Undecided(r, at)
				continue
			}
			desired, ok := v.Num()
			switch {
			case !ok:
				c.Fail(r, "%s is %q, not a number", at, v.Str())
			case desired > maximum:
				c.Fail(r, "%s is %s, above spec.maxReplicaCount %s: KEDA caps it, so the schedule's floor never holds", at, fmtCount(desired), shown(spec.At("maxReplicaCount"), maximum, "KEDA's default"))
			}
		}
		return
	}
	if !c.Known(r, map[string]Value{"spec.minReplicas": spec.At("minReplicas"), "spec.maxReplicas": spec.At("maxReplicas")}) {
		return
	}
	minimum, okMin := count(spec.At("minReplicas"), 1) // the API's default
	maximum, okMax := spec.At("maxReplicas").Num()
	if !okMin {
		c.Fail(r, "spec.minReplicas must be a number")
		return
	}
	if minimum < minReplicas {
		c.Fail(r, "spec.minReplicas is %s: fewer than %d replicas leave nothing serving while one is evicted", shown(spec.At("minReplicas"), minimum, "the API's default"), minReplicas)
	}
	if okMax && minimum > maximum {
		c.Fail(r, "spec.minReplicas %s is above spec.maxReplicas %s", fmtCount(minimum), fmtCount(maximum))
	}
}

// count is a replica count, def when unset.
func count(v Value, def float64) (float64, bool) {
	if !v.Present() {
		return def, true
	}
	return v.Num()
}

func fmtCount(n float64) string { return fmt.Sprintf("%v", n) }

// shown prints a count, saying when it is a default.
func shown(v Value, n float64, whose string) string {
	if !v.Present() {
		return fmt.Sprintf("%v (unset: %s)", n, whose)
	}
	return fmtCount(n)
}

// scaleTarget is the kind and name an autoscaler scales (a ScaledObject's
// kind defaults to Deployment).
func scaleTarget(a *Resource) (kind, name string) {
	ref := a.Get("spec", "scaleTargetRef")
	kind, name = ref.At("kind").Str(), ref.At("name").Str()
	if kind == "" && a.Type == tScaledObject {
		kind = "Deployment"
	}
	return kind, name
}

// workloadNamed finds a workload by kind and metadata.name in a namespace.
func workloadNamed(s *Stack, kind, ns, name string) *Resource {
	for _, t := range workloadTypes {
		if shortType(t) != kind {
			continue
		}
		for _, w := range namespaced(s, t, ns) {
			if w.Get("metadata", "name").Str() == name {
				return w
			}
		}
	}
	return nil
}

// podLabels are the labels of a workload's pods: its pod template's, or,
// for a Rollout that references a Deployment (spec.workloadRef), that
// Deployment's.
func podLabels(s *Stack, w *Resource) map[string]any {
	if w.Type == tRollout && !w.Get("spec", "template").Present() {
		ref := w.Get("spec", "workloadRef")
		if d := workloadNamed(s, ref.At("kind").Str(), namespaceOf(w), ref.At("name").Str()); d != nil && d.Type != tRollout {
			return podLabels(s, d)
		}
	}
	return w.Get("spec", "template", "metadata", "labels").Map()
}

// managedByRollout reports whether a Rollout of the namespace runs the
// Deployment's pods through spec.workloadRef (Argo Rollouts scales the
// Deployment itself down).
func managedByRollout(s *Stack, d *Resource) bool {
	if d.Type != tDeployment {
		return false
	}
	for _, r := range namespaced(s, tRollout, namespaceOf(d)) {
		ref := r.Get("spec", "workloadRef")
		if ref.At("kind").Str() == "Deployment" && ref.At("name").Str() == d.Get("metadata", "name").Str() {
			return true
		}
	}
	return false
}

// coveredByPDB reports whether a PodDisruptionBudget of the namespace
// selects pods with these labels.
func coveredByPDB(s *Stack, ns string, labels map[string]any) bool {
	for _, p := range namespaced(s, tPDB, ns) {
		if selectorMatches(p.Get("spec", "selector"), labels) {
			return true
		}
	}
	return false
}

// selectorMatches reports whether a label selector (matchLabels and
// matchExpressions) selects labels. An empty selector selects nothing
// here: a budget must name the pods it protects.
func selectorMatches(sel Value, labels map[string]any) bool {
	match := sel.At("matchLabels").Map()
	exprs := sel.At("matchExpressions").List()
	if len(match) == 0 && len(exprs) == 0 {
		return false
	}
	for k, v := range match {
		if labels[k] != v {
			return false
		}
	}
	for _, e := range exprs {
		expr := Of(e)
		key := expr.At("key").Str()
		value, has := labels[key]
		str, _ := value.(string)
		values := expr.At("values").Strings()
		switch expr.At("operator").Str() {
		case "In":
			if !has || !slices.Contains(values, str) {
				return false
			}
		case "NotIn":
			if has && slices.Contains(values, str) {
				return false
			}
		case "Exists":
			if !has {
				return false
			}
		case "DoesNotExist":
			if has {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// autoscaledToTwo reports whether an autoscaler of the namespace scales
// the workload and keeps it at two replicas or more; targeted says
// whether any autoscaler scales it at all.
func autoscaledToTwo(s *Stack, w *Resource) (targeted, atLeastTwo bool) {
	ns, name, kind := namespaceOf(w), w.Get("metadata", "name").Str(), shortType(w.Type)
	for _, t := range autoscalerTypes {
		for _, a := range namespaced(s, t, ns) {
			if k, n := scaleTarget(a); k != kind || n != name {
				continue
			}
			targeted = true
			spec := a.Get("spec")
			minimum, ok := count(spec.At("minReplicas"), 1)
			if a.Type == tScaledObject {
				minimum, ok = count(spec.At("minReplicaCount"), kedaDefaultMin)
				ok = ok && !spec.At("idleReplicaCount").Present()
			}
			if ok && minimum >= minReplicas {
				atLeastTwo = true
			}
		}
	}
	return targeted, atLeastTwo
}

// namespaceTiers maps each namespace the view declares to its tier label
// ("" when unlabelled).
func namespaceTiers(s *Stack) map[string]string {
	out := map[string]string{}
	for _, ns := range s.OfType(tNamespace) {
		out[namespaceName(ns)] = ns.Get("metadata", "labels", tierLabel).Str()
	}
	return out
}

// checkAppProject fails a project that allows wildcard sources or
// destinations, or cluster-scoped kinds for an application team. A patch
// is judged on what it sets: emptying a project's lists locks it.
func checkAppProject(c *Check, r *Resource) {
	spec := r.Get("spec")
	if !c.Known(r, map[string]Value{"spec.sourceRepos": spec.At("sourceRepos"), "spec.destinations": spec.At("destinations"), "spec.clusterResourceWhitelist": spec.At("clusterResourceWhitelist")}) {
		return
	}
	patch := r.Type == tAppProjectPatch
	repos := spec.At("sourceRepos").Strings()
	if len(repos) == 0 && !patch {
		c.Fail(r, "spec.sourceRepos is empty: name the Git repositories the project deploys from")
	}
	for i, repo := range repos {
		if strings.Contains(repo, "*") {
			c.Fail(r, "spec.sourceRepos[%d] is %q: a wildcard lets the project deploy from any repository it matches", i, repo)
		}
	}
	for i, ns := range spec.At("sourceNamespaces").Strings() {
		if strings.Contains(ns, "*") {
			c.Fail(r, "spec.sourceNamespaces[%d] is %q: Applications of any matching namespace may use the project", i, ns)
		}
	}
	dests := spec.At("destinations").List()
	if len(dests) == 0 && !patch {
		c.Fail(r, "spec.destinations is empty: name the cluster and namespaces the project deploys to")
	}
	for i, d := range dests {
		dest := Of(d)
		at := fmt.Sprintf("spec.destinations[%d]", i)
		if ns := dest.At("namespace").Str(); ns == "" || strings.Contains(ns, "*") {
			c.Fail(r, "%s.namespace is %q: name the namespace explicitly", at, ns)
		}
		server, name := dest.At("server").Str(), dest.At("name").Str()
		switch {
		case server == "" && name == "":
			c.Fail(r, "%s names neither a server nor a cluster name", at)
		case strings.Contains(server, "*"), strings.Contains(name, "*"):
			c.Fail(r, "%s names its cluster with a wildcard (server %q, name %q)", at, server, name)
		}
	}
	if r.Get("metadata", "labels", tierLabel).Str() == "platform" {
		return // the platform's own project may create cluster-scoped kinds
	}
	var kinds []string
	for _, e := range spec.At("clusterResourceWhitelist").List() {
		v := Of(e)
		kinds = append(kinds, orDefault(v.At("group").Str(), "core")+"/"+v.At("kind").Str())
	}
	if len(kinds) > 0 {
		c.Fail(r, "spec.clusterResourceWhitelist allows cluster-scoped kinds (%s) to an application team's project: leave it empty", strings.Join(kinds, ", "))
	}
}
