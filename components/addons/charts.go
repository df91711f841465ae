package addons

import (
	"strconv"

	"platform/components/baseline"
)

// nobody is restricted, as the unprivileged user: for images that do not
// say which non-root user they run as.
func nobody() SecurityContext {
	sc := restricted
	sc.RunAsUser = 65534
	return sc
}

// SidekickLabels are falcosidekick's pods' labels.
var SidekickLabels = podLabels("falcosidekick", Falco)

// Values are the typed values of one add-on's release.
func Values(a AddonsArgs, addon string) any {
	sa := func(name string) ServiceAccount { return ServiceAccount{Create: true, Name: name} }
	region := a.Namer.Region
	switch addon {
	case LoadBalancerController:
		return LoadBalancerControllerValues{
			ClusterName: Ref("clusterName"), Region: region, VpcID: Ref("vpcId"),
			ReplicaCount: 2, ServiceAccount: sa("aws-load-balancer-controller"),
			Resources: resources("100m", "256Mi", "512Mi"), SecurityContext: restricted,
			PodDisruptionBudget:       MaxUnavailable{1},
			TopologySpreadConstraints: spread(podLabels(LoadBalancerController, LoadBalancerController)),
			EnableWafv2:               true,
			DefaultTargetType:         "ip", DefaultSSLPolicy: a.SSLPolicy,
			EnableServiceMutatorWebhook: false,
			DefaultTags:                 map[string]string{"platform/cluster": Ref("clusterName")},
			IngressClass:                APIIngressClass,
			CreateIngressClassResource:  true,
			IngressClassParams: IngressClassParams{Create: true, Name: APIIngressClass, Spec: IngressClassParamsSpec{
				NamespaceSelector: LabelSelector{map[string]string{baseline.TierLabel: "application"}},
				// Every Ingress of the class shares the API's one ALB.
				Group:  Named{"api"},
				Scheme: "internet-facing", IPAddressType: "ipv4", TargetType: "ip",
				CertificateArn: []string{Ref("certificateArn")}, SSLPolicy: a.SSLPolicy,
				// Any HTTP listener redirects to HTTPS.
				SSLRedirectPort: "443",
				WAFv2ACLArn:     Ref("webAclArn"),
				LoadBalancerAttributes: []Attribute{
					{"deletion_protection.enabled", "true"},
					{"routing.http.drop_invalid_header_fields.enabled", "true"},
					{"routing.http.desync_mitigation_mode", "strictest"},
					{"access_logs.s3.enabled", "true"},
					{"access_logs.s3.bucket", Ref("accessLogBucket")},
					{"access_logs.s3.prefix", AccessLogPrefix},
				},
			}},
		}
	case ExternalDNS:
		return ExternalDNSValues{
			Provider: Named{"aws"}, Sources: []string{"ingress", "service"},
			DomainFilters: []string{a.ZoneName}, Policy: "upsert-only", Registry: "txt",
			TxtOwnerID: Ref("clusterName"), TxtPrefix: "extdns-",
			// The zone by id too: a same-named private zone is never touched.
			ExtraArgs:      map[string]any{"zone-id-filter": []string{Ref("zoneId")}, "aws-zone-type": "public"},
			Env:            []EnvVar{{"AWS_DEFAULT_REGION", region}},
			ServiceAccount: sa("external-dns"), Resources: resources("50m", "64Mi", "128Mi"), SecurityContext: restricted,
		}
	case ExternalSecrets:
		child := func(name string, replicas int) ExternalSecretsChild {
			c := ExternalSecretsChild{ReplicaCount: replicas, Resources: resources("50m", "64Mi", "256Mi")}
			if replicas > 1 {
				c.PodDisruptionBudget = MinAvailable{Enabled: true, MinAvailable: 1}
				c.TopologySpreadConstraints = spread(podLabels(name, ExternalSecrets))
			}
			return c
		}
		return ExternalSecretsValues{
			InstallCRDs: true, ReplicaCount: 2, LeaderElect: true, ServiceAccount: sa("external-secrets"),
			Resources:                 resources("100m", "128Mi", "512Mi"),
			PodDisruptionBudget:       MinAvailable{Enabled: true, MinAvailable: 1},
			TopologySpreadConstraints: spread(podLabels(ExternalSecrets, ExternalSecrets)),
			Webhook:                   child("external-secrets-webhook", 2),
			// The cert controller only rotates the webhook's certificate.
			CertController: child("external-secrets-cert-controller", 1),
		}
	case ClusterAutoscaler:
		return ClusterAutoscalerValues{
			CloudProvider: "aws", AWSRegion: region, AutoDiscovery: AutoDiscover{Ref("clusterName")},
			ReplicaCount: 2,
			ExtraArgs: map[string]string{
				"balance-similar-node-groups":      "true",
				"expander":                         "priority",
				"scale-down-enabled":               "true",
				"scale-down-utilization-threshold": "0.5",
				"scale-down-unneeded-time":         "10m",
				"skip-nodes-with-local-storage":    "false",
			},
			// Spot first for the pods that tolerate it; the rest fit only
			// the on-demand groups anyway.
			ExpanderPriorities: map[string][]string{
				strconv.Itoa(50): {".*" + a.SpotNodeGroup + ".*"},
				strconv.Itoa(10): {".*"},
			},
			RBAC:      AutoscalerRBAC{sa("cluster-autoscaler")},
			Resources: resources("100m", "300Mi", "600Mi"), ContainerSecurityContext: nobody(),
			PodDisruptionBudget:       MaxUnavailable{1},
			TopologySpreadConstraints: spread(podLabels("aws-cluster-autoscaler", ClusterAutoscaler)),
		}
	case MetricsServer:
		return MetricsServerValues{
			Replicas: 2, Args: []string{"--kubelet-preferred-address-types=InternalIP"},
			ServiceAccount: sa("metrics-server"), Resources: resources("100m", "200Mi", "400Mi"), SecurityContext: restricted,
			PodDisruptionBudget:       MinAvailable{Enabled: true, MinAvailable: 1},
			TopologySpreadConstraints: spread(podLabels(MetricsServer, MetricsServer)),
		}
	case Falco:
		return FalcoValues{
			Driver: FalcoDriver{Kind: "modern_ebpf", ModernEbpf: ModernEbpf{LeastPrivileged: true}}, TTY: false,
			Falco: FalcoConfig{JSONOutput: true, JSONIncludeOutputProperty: true, JSONIncludeTagsProperty: true},
			// The rules ship in the pinned image: nothing is fetched or
			// followed at runtime.
			Falcoctl:       Falcoctl{FalcoctlArtifact{Install: Enabled{false}, Follow: Enabled{false}}},
			Collectors:     Collectors{Kubernetes: Enabled{false}},
			ServiceAccount: sa("falco"), Resources: resources("100m", "512Mi", "1Gi"),
			// Every node, the spot ones included.
			Tolerations: []Toleration{spotToleration},
			Falcosidekick: Falcosidekick{
				Enabled: true, ReplicaCount: 2,
				Config: SidekickConfig{AWS: SidekickAWS{Region: region, SNS: SidekickSNS{
					TopicArn: Ref("securityTopicArn"), MinimumPriority: "warning", RawJSON: true,
				}}},
				Resources: resources("50m", "64Mi", "128Mi"), SecurityContext: restricted,
				Affinity: Affinity{PodAntiAffinity{Required: []AffinityTerm{{
					TopologyKey: "topology.kubernetes.io/zone", LabelSelector: LabelSelector{SidekickLabels},
				}}}},
			},
		}
	}
	return nil
}
