package policies

func init() { moreFixtures = append(moreFixtures, deliveryFixtures) }

// rollout is an Argo Rollout in payments whose pods are labelled app=name.
func rollout(name string, strategy in, podSpec in) Resource {
	return R(tRollout, name, in{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
		"metadata": in{"name": name, "namespace": "payments"},
		"spec": in{
			"selector": in{"matchLabels": in{"app": name}},
			"strategy": strategy,
			"template": in{"metadata": in{"labels": in{"app": name}}, "spec": podSpec},
		},
	})
}

// analysed is a canary strategy whose second step is an analysis.
func analysed() in {
	return in{"canary": in{"steps": list(
		in{"setWeight": 20.0},
		in{"analysis": in{"templates": list(in{"templateName": "success-rate"})}},
		in{"setWeight": 50.0},
		in{"pause": in{"duration": "2m"}},
	)}}
}

// scaledObject is a KEDA ScaledObject in payments scaling a Rollout.
func scaledObject(name, target string, spec in) Resource {
	s := in{
		"scaleTargetRef":  in{"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": target},
		"minReplicaCount": 2.0, "maxReplicaCount": 10.0,
		"triggers": list(
			in{"type": "prometheus", "metadata": in{"query": "sum(rate(http_requests_total[2m]))", "threshold": "50"}},
			in{"type": "cron", "metadata": in{"timezone": "UTC", "start": "0 8 * * 1-5", "end": "0 20 * * 1-5", "desiredReplicas": "4"}},
		),
	}
	for k, v := range spec {
		if v == nil {
			delete(s, k)
		} else {
			s[k] = v
		}
	}
	return nsObject(tScaledObject, name, "payments", s)
}

func hpa(name string, spec in) Resource { return nsObject(tHPA, name, "payments", spec) }

// budget is a PodDisruptionBudget selecting app=app in a namespace.
func budget(app, ns string) Resource {
	return nsObject(tPDB, app, ns, in{"minAvailable": 1.0, "selector": in{"matchLabels": in{"app": app}}})
}

func secret(name, ns string, inputs in) Resource {
	inputs["metadata"] = in{"name": name, "namespace": ns}
	return R(tK8sSecret, name, inputs)
}

// project is an application team's AppProject, with spec fields replaced
// (nil removes one).
func project(spec in, labels in) Resource {
	s := in{
		"sourceRepos":                list("https://github.com/example-fintech/mita-backend.git"),
		"destinations":               list(in{"server": "https://kubernetes.default.svc", "namespace": "mita"}),
		"namespaceResourceBlacklist": list(in{"group": "", "kind": "ResourceQuota"}),
	}
	for k, v := range spec {
		if v == nil {
			delete(s, k)
		} else {
			s[k] = v
		}
	}
	return R(tAppProject, "mita", in{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
		"metadata": in{"name": "mita", "namespace": "delivery", "labels": labels},
		"spec":     s,
	})
}

func application(typ string, spec in) Resource {
	return R(typ, "mita-backend", in{"metadata": in{"name": "mita-backend", "namespace": "delivery"}, "spec": spec})
}

// deliveryFixtures are the fixtures of the delivery controls (81, 82),
// of literal Secrets, and of the pod-spec controls over Rollouts.
func deliveryFixtures() []fixture {
	app := namespace("payments", in{tierLabel: "application"})
	platform := namespace("delivery", in{tierLabel: "platform"})
	api := rollout("api", analysed(), goodPod())
	return []fixture{
		// Pod-spec controls see a Rollout's pod template.
		pass("k8s-non-root-no-escalation", "rollout", api),
		fail("k8s-non-root-no-escalation", "rollout may run as root", rollout("api", analysed(), in{"containers": list(in{"name": "app", "image": "app:1.0"})})),
		pass("k8s-readonly-caps-seccomp", "rollout", api),
		fail("k8s-readonly-caps-seccomp", "rollout with a writable root filesystem", rollout("api", analysed(), in{"containers": list(with(goodContainer, "securityContext", in{"runAsNonRoot": true, "allowPrivilegeEscalation": false}))})),
		pass("k8s-no-host-namespaces", "rollout", api),
		fail("k8s-no-host-namespaces", "rollout on the host network", rollout("api", analysed(), with(goodPod(), "hostNetwork", true))),
		pass("k8s-resources-set", "rollout", api),
		fail("k8s-resources-set", "rollout without limits", rollout("api", analysed(), in{"containers": list(with(goodContainer, "resources", in{"requests": in{"cpu": "100m", "memory": "128Mi"}}))})),
		pass("k8s-image-pinned", "rollout", api),
		fail("k8s-image-pinned", "rollout on latest", rollout("api", analysed(), in{"containers": list(with(goodContainer, "image", "registry/app:latest"))})),
		pass("k8s-no-token-automount", "rollout", api),
		fail("k8s-no-token-automount", "rollout mounts a token", rollout("api", analysed(), in{"containers": list(goodContainer)})),
		pass("no-plaintext-credentials", "rollout reads its password from a Secret", api),
		fail("no-plaintext-credentials", "rollout with a plaintext password", rollout("api", analysed(), in{"containers": list(with(goodContainer, "env", list(in{"name": "DB_PASSWORD", "value": "hunter2"})))})),
		pass("k8s-pdb-and-hpa", "rollout with a budget and a ScaledObject", api, budget("api", "payments"), scaledObject("api", "api", nil)),
		pass("k8s-pdb-and-hpa", "the Deployment a Rollout runs through workloadRef",
			deployment("api", goodPod()), budget("api", "payments"), scaledObject("api", "api", nil),
			R(tRollout, "api", in{"metadata": in{"name": "api", "namespace": "payments"}, "spec": in{"workloadRef": in{"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}, "strategy": analysed()}})),
		fail("k8s-pdb-and-hpa", "rollout scaled to zero by KEDA's default", api, budget("api", "payments"), scaledObject("api", "api", in{"minReplicaCount": nil})),
		fail("k8s-pdb-and-hpa", "rollout without budget or autoscaler", api),

		pass("rollout-canary-analysis", "canary with an analysis step", api),
		pass("rollout-canary-analysis", "canary with a background analysis", rollout("api", in{"canary": in{
			"analysis": in{"templates": list(in{"templateName": "success-rate"}), "startingStep": 1.0},
			"steps":    list(in{"setWeight": 20.0}, in{"pause": in{"duration": "5m"}}, in{"setWeight": 50.0}, in{"pause": in{"duration": "5m"}}),
		}}, goodPod())),
		pass("rollout-canary-analysis", "blue-green with a pre-promotion analysis", rollout("api", in{"blueGreen": in{
			"activeService": "api", "previewService": "api-preview",
			"prePromotionAnalysis": in{"templates": list(in{"templateName": "smoke"})},
		}}, goodPod())),
		fail("rollout-canary-analysis", "canary without analysis", rollout("api", in{"canary": in{"steps": list(in{"setWeight": 20.0}, in{"pause": in{"duration": "2m"}})}}, goodPod())),
		fail("rollout-canary-analysis", "background analysis without steps", rollout("api", in{"canary": in{"analysis": in{"templates": list(in{"templateName": "success-rate"})}}}, goodPod())),
		fail("rollout-canary-analysis", "analysis step without templates", rollout("api", in{"canary": in{"steps": list(in{"setWeight": 20.0}, in{"analysis": in{}})}}, goodPod())),
		fail("rollout-canary-analysis", "template without a name", rollout("api", in{"canary": in{"steps": list(in{"analysis": in{"templates": list(in{"clusterScope": true})}})}}, goodPod())),
		fail("rollout-canary-analysis", "blue-green promoted unanalysed", rollout("api", in{"blueGreen": in{"activeService": "api", "autoPromotionEnabled": true}}, goodPod())),
		fail("rollout-canary-analysis", "no strategy", rollout("api", in{}, goodPod())),

		pass("scaling-min-replicas", "ScaledObject of two to ten, business-hours floor of four", scaledObject("api", "api", nil)),
		pass("scaling-min-replicas", "HPA of two to five", hpa("api", in{"scaleTargetRef": in{"kind": "Deployment", "name": "api"}, "minReplicas": 2.0, "maxReplicas": 5.0})),
		fail("scaling-min-replicas", "ScaledObject without a minimum (KEDA's default 0)", scaledObject("api", "api", in{"minReplicaCount": nil})),
		fail("scaling-min-replicas", "ScaledObject of one", scaledObject("api", "api", in{"minReplicaCount": 1.0})),
		fail("scaling-min-replicas", "ScaledObject idles to zero", scaledObject("api", "api", in{"idleReplicaCount": 0.0})),
		fail("scaling-min-replicas", "cron floor above the maximum", scaledObject("api", "api", in{"triggers": list(
			in{"type": "cron", "metadata": in{"timezone": "UTC", "start": "0 8 * * 1-5", "end": "0 20 * * 1-5", "desiredReplicas": "30"}})})),
		fail("scaling-min-replicas", "cron floor not a number", scaledObject("api", "api", in{"triggers": list(
			in{"type": "cron", "metadata": in{"timezone": "UTC", "start": "0 8 * * 1-5", "end": "0 20 * * 1-5", "desiredReplicas": "many"}})})),
		fail("scaling-min-replicas", "minimum above the maximum", scaledObject("api", "api", in{"minReplicaCount": 12.0})),
		fail("scaling-min-replicas", "HPA with the API's default minimum", hpa("api", in{"scaleTargetRef": in{"kind": "Deployment", "name": "api"}, "maxReplicas": 5.0})),
		fail("scaling-min-replicas", "HPA minimum above its maximum", R(tHPAv1, "api", in{"metadata": in{"name": "api", "namespace": "payments"}, "spec": in{"minReplicas": 6.0, "maxReplicas": 4.0}})),

		pass("scaling-has-pdb", "rollout with a matching budget", api, scaledObject("api", "api", nil), budget("api", "payments")),
		pass("scaling-has-pdb", "deployment with a matchExpressions budget", deployment("web", goodPod()),
			hpa("web", in{"scaleTargetRef": in{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "minReplicas": 2.0, "maxReplicas": 4.0}),
			nsObject(tPDB, "web", "payments", in{"maxUnavailable": 1.0, "selector": in{"matchExpressions": list(in{"key": "app", "operator": "In", "values": list("web", "web-canary")})}})),
		pass("scaling-has-pdb", "rollout through workloadRef: the Deployment's pods",
			deployment("web", goodPod()), budget("web", "payments"), scaledObject("web", "web", nil),
			R(tRollout, "web", in{"metadata": in{"name": "web", "namespace": "payments"}, "spec": in{"workloadRef": in{"kind": "Deployment", "name": "web"}, "strategy": analysed()}})),
		fail("scaling-has-pdb", "no budget", api, scaledObject("api", "api", nil)),
		fail("scaling-has-pdb", "budget in another namespace", api, scaledObject("api", "api", nil), budget("api", "mita")),
		fail("scaling-has-pdb", "budget selecting other pods", api, scaledObject("api", "api", nil), budget("web", "payments")),
		fail("scaling-has-pdb", "budget with an empty selector", api, scaledObject("api", "api", nil), nsObject(tPDB, "all", "payments", in{"minAvailable": 1.0, "selector": in{}})),
		fail("scaling-has-pdb", "ScaledObject of a Deployment by default", deployment("web", goodPod()),
			scaledObject("web", "", in{"scaleTargetRef": in{"name": "web"}}), budget("api", "payments")),

		pass("k8s-no-literal-secrets", "platform namespace", platform, secret("argocd-secret", "delivery", in{"data": in{"server.secretkey": "[secret]"}})),
		pass("k8s-no-literal-secrets", "system namespace", secret("bootstrap", "kube-system", in{"stringData": in{"token": "x"}})),
		pass("k8s-no-literal-secrets", "no values in an application namespace", app, secret("api-token", "payments", in{"type": "kubernetes.io/service-account-token"})),
		fail("k8s-no-literal-secrets", "stringData in an application namespace", app, secret("db", "payments", in{"stringData": in{"password": "hunter2"}})),
		fail("k8s-no-literal-secrets", "rendered manifests: a namespace the view does not declare", secret("db", "mita", in{"data": in{"password": "aHVudGVyMg=="}})),
		fail("k8s-no-literal-secrets", "a secret data field", app, secret("db", "payments", in{"data": SecretPlaceholder})),

		pass("argocd-appproject-guardrails", "team project", project(nil, nil)),
		pass("argocd-appproject-guardrails", "platform project may create cluster kinds", project(in{"clusterResourceWhitelist": list(in{"group": "", "kind": "Namespace"})}, in{tierLabel: "platform"})),
		fail("argocd-appproject-guardrails", "any repository", project(in{"sourceRepos": list("*")}, nil)),
		fail("argocd-appproject-guardrails", "every repository of an organisation", project(in{"sourceRepos": list("https://github.com/example-fintech/*")}, nil)),
		fail("argocd-appproject-guardrails", "no repositories", project(in{"sourceRepos": nil}, nil)),
		fail("argocd-appproject-guardrails", "any namespace", project(in{"destinations": list(in{"server": "https://kubernetes.default.svc", "namespace": "*"})}, nil)),
		fail("argocd-appproject-guardrails", "destination without a namespace", project(in{"destinations": list(in{"name": "in-cluster"})}, nil)),
		fail("argocd-appproject-guardrails", "destination without a cluster", project(in{"destinations": list(in{"namespace": "mita"})}, nil)),
		fail("argocd-appproject-guardrails", "any cluster", project(in{"destinations": list(in{"server": "*", "namespace": "mita"})}, nil)),
		fail("argocd-appproject-guardrails", "no destinations", project(in{"destinations": nil}, nil)),
		fail("argocd-appproject-guardrails", "team project creates cluster kinds", project(in{"clusterResourceWhitelist": list(in{"group": "*", "kind": "*"})}, nil)),
		fail("argocd-appproject-guardrails", "Applications from any namespace", project(in{"sourceNamespaces": list("*")}, nil)),

		pass("argocd-appproject-guardrails", "the default project locked by a patch", R(tAppProjectPatch, "default", in{
			"metadata": in{"name": "default", "namespace": "delivery"},
			"spec":     in{"sourceRepos": list(), "destinations": list(), "clusterResourceWhitelist": list(), "namespaceResourceBlacklist": list(in{"group": "*", "kind": "*"})},
		})),
		fail("argocd-appproject-guardrails", "a patch opening the default project", R(tAppProjectPatch, "default", in{
			"metadata": in{"name": "default", "namespace": "delivery"},
			"spec":     in{"sourceRepos": list("*"), "clusterResourceWhitelist": list(in{"group": "*", "kind": "*"})},
		})),

		pass("argocd-application-project", "team project", application(tApplication, in{"project": "mita"})),
		pass("argocd-application-project", "ApplicationSet of a team project", application(tApplicationSet, in{"template": in{"spec": in{"project": "mita"}}})),
		fail("argocd-application-project", "default project", application(tApplication, in{"project": "default"})),
		fail("argocd-application-project", "project unset", application(tApplication, in{"source": in{"repoURL": "https://github.com/example-fintech/mita-backend.git"}})),
		fail("argocd-application-project", "ApplicationSet of the default project", application(tApplicationSet, in{"template": in{"spec": in{"project": "default"}}})),
	}
}
