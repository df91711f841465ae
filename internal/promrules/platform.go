package promrules

// PlatformAlert is one of the platform's alerts with its runbook.
type PlatformAlert struct {
	Rule
	// Runbook is the file in docs/runbooks, without .md.
	Runbook string
}

// platformAlerts are the alerts for every critical component of the
// platform. Pages are for what hurts users now or will within hours;
// tickets for what needs a person this working day. The service label
// names the owner: the add-on, or the workload's namespace.
var platformAlerts = []PlatformAlert{
	{Runbook: "kube-node-not-ready", Rule: Rule{
		Alert: "KubeNodeNotReady", For: "15m",
		Expr:   `kube_node_status_condition{condition="Ready",status="true"} == 0`,
		Labels: map[string]string{"severity": Ticket, "service": "kubernetes"},
		Annotations: map[string]string{
			"summary": "Node {{ $labels.node }} has not been Ready for 15 minutes",
		},
	}},
	{Runbook: "kube-nodes-not-ready", Rule: Rule{
		Alert: "KubeNodesNotReady", For: "5m",
		Expr:   `count(kube_node_status_condition{condition="Ready",status="true"} == 0) > 0.3 * count(kube_node_status_condition{condition="Ready",status="true"})`,
		Labels: map[string]string{"severity": Page, "service": "kubernetes"},
		Annotations: map[string]string{
			"summary": "More than 30% of the nodes are not Ready",
		},
	}},
	{Runbook: "kube-pod-crash-looping", Rule: Rule{
		Alert: "KubePodCrashLooping", For: "15m",
		Expr:   `max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m]) >= 1`,
		Labels: map[string]string{"severity": Ticket, "service": "{{ $labels.namespace }}"},
		Annotations: map[string]string{
			"summary": "Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} is crash looping",
		},
	}},
	{Runbook: "kube-pod-not-ready", Rule: Rule{
		Alert: "KubePodNotReady", For: "15m",
		Expr:   `sum by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Unknown|Failed"}) > 0`,
		Labels: map[string]string{"severity": Ticket, "service": "{{ $labels.namespace }}"},
		Annotations: map[string]string{
			"summary": "Pod {{ $labels.namespace }}/{{ $labels.pod }} has not been running for 15 minutes",
		},
	}},
	{Runbook: "kube-pvc-filling-up", Rule: Rule{
		Alert: "KubePersistentVolumeFillingUp", For: "1h",
		Expr: `kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.15` +
			` and predict_linear(kubelet_volume_stats_available_bytes[6h], 4 * 24 * 3600) < 0`,
		Labels: map[string]string{"severity": Ticket, "service": "{{ $labels.namespace }}"},
		Annotations: map[string]string{
			"summary": "Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} will be full within 4 days",
		},
	}},
	{Runbook: "kube-pvc-filling-up", Rule: Rule{
		Alert: "KubePersistentVolumeAlmostFull", For: "5m",
		Expr:   `kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.03`,
		Labels: map[string]string{"severity": Page, "service": "{{ $labels.namespace }}"},
		Annotations: map[string]string{
			"summary": "Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has less than 3% free",
		},
	}},
	{Runbook: "certificate-expiry", Rule: Rule{
		Alert: "CertificateExpiringSoon", For: "1h",
		Expr:   `probe_ssl_earliest_cert_expiry - time() < 14 * 86400`,
		Labels: map[string]string{"severity": Ticket, "service": "edge"},
		Annotations: map[string]string{
			"summary": "The certificate of {{ $labels.instance }} expires in less than 14 days",
		},
	}},
	{Runbook: "certificate-expiry", Rule: Rule{
		Alert: "CertificateExpiring", For: "10m",
		Expr:   `probe_ssl_earliest_cert_expiry - time() < 3 * 86400`,
		Labels: map[string]string{"severity": Page, "service": "edge"},
		Annotations: map[string]string{
			"summary": "The certificate of {{ $labels.instance }} expires in less than 3 days",
		},
	}},
	{Runbook: "cluster-autoscaler", Rule: Rule{
		Alert: "ClusterAutoscalerScaleUpFailing", For: "15m",
		Expr:   `increase(cluster_autoscaler_failed_scale_ups_total[15m]) > 0`,
		Labels: map[string]string{"severity": Ticket, "service": "cluster-autoscaler"},
		Annotations: map[string]string{
			"summary": "The cluster autoscaler failed to scale up ({{ $labels.reason }}) for 15 minutes",
		},
	}},
	{Runbook: "cluster-autoscaler", Rule: Rule{
		Alert: "ClusterAutoscalerUnschedulablePods", For: "30m",
		Expr:   `cluster_autoscaler_unschedulable_pods_count > 0`,
		Labels: map[string]string{"severity": Page, "service": "cluster-autoscaler"},
		Annotations: map[string]string{
			"summary": "Pods have been unschedulable for 30 minutes and the autoscaler has not added capacity",
		},
	}},
	{Runbook: "external-secrets-sync", Rule: Rule{
		Alert: "ExternalSecretSyncFailing", For: "15m",
		Expr:   `externalsecret_status_condition{condition="Ready",status="False"} == 1`,
		Labels: map[string]string{"severity": Ticket, "service": "external-secrets"},
		Annotations: map[string]string{
			"summary": "ExternalSecret {{ $labels.namespace }}/{{ $labels.name }} has not synced for 15 minutes",
		},
	}},
	{Runbook: "falco-critical-event", Rule: Rule{
		Alert: "FalcoCriticalEvent",
		Expr:  `sum by (rule, k8s_ns_name, k8s_pod_name) (increase(falcosecurity_falcosidekick_falco_events_total{priority=~"Critical|Alert|Emergency"}[5m])) > 0`,
		// Runtime intrusion signals are paged at once, to security.
		Labels: map[string]string{"severity": Page, "service": "security"},
		Annotations: map[string]string{
			"summary": "Falco: {{ $labels.rule }} in {{ $labels.k8s_ns_name }}/{{ $labels.k8s_pod_name }}",
		},
	}},
	{Runbook: "falco-critical-event", Rule: Rule{
		Alert: "FalcoAlertsNotDelivered", For: "10m",
		Expr:   `increase(falcosecurity_falcosidekick_outputs_total{status="error"}[10m]) > 0`,
		Labels: map[string]string{"severity": Ticket, "service": "security"},
		Annotations: map[string]string{
			"summary": "falcosidekick cannot deliver to {{ $labels.destination }}",
		},
	}},
}

// PlatformAlerts are the platform's alerts.
func PlatformAlerts() []PlatformAlert { return platformAlerts }

// Platform is the platform's rule group, with runbook links.
func Platform(runbooks Runbooks) Group {
	g := Group{Name: "platform"}
	for _, a := range platformAlerts {
		r := a.Rule
		ann := map[string]string{"runbook_url": runbooks.URL(a.Runbook)}
		for k, v := range r.Annotations {
			ann[k] = v
		}
		r.Annotations = ann
		g.Rules = append(g.Rules, r)
	}
	return g
}

// Operations records the success metric on-call is judged by: the mean
// time to resolve a page over 30 days, as the alerts measure it (from
// firing to resolved), in minutes; the objective is under 30. It is
// undefined (no sample) in a month without pages. It counts minutes, so
// it assumes the 1-minute evaluation interval components/monitoring sets.
func Operations() Group {
	return Group{Name: "platform-operations", Rules: []Rule{
		{Record: "platform:pages_firing:bool", Expr: `(count(ALERTS{alertstate="firing",severity="page"}) > bool 0) or vector(0)`},
		{Record: "platform:page_starts:bool", Expr: `platform:pages_firing:bool > bool (platform:pages_firing:bool offset 1m)`},
		{Record: "platform:page_minutes:30d", Expr: `sum_over_time(platform:pages_firing:bool[30d])`},
		{Record: "platform:pages:30d", Expr: `sum_over_time(platform:page_starts:bool[30d])`},
		{Record: "platform:mttr_minutes:30d", Expr: `platform:page_minutes:30d / (platform:pages:30d > 0)`},
	}}
}
