package addons

import (
	"platform/internal/naming"
	"platform/internal/policydoc"
)

// The add-ons' least-privilege policies. Reads are on "*" where the API
// has no resource-level permissions; every write is scoped to the
// platform's resources: its cluster's tag, its zone, its secrets, its
// topic.

// ids are the deploy-time values the policies name.
type ids struct {
	cluster, vpc, zone, topic, topicKey, webACL string
	// secretsKeys: the stack's, and in the DR region the replicas'.
	secretsKeys []string
}

// policy is the add-on's policy document, or false if it calls no AWS API.
func policy(n naming.Namer, addon string, v ids) (policydoc.Document, bool) {
	region, account := n.Region, n.AccountID
	arn := func(service, resource string) string {
		return "arn:aws:" + service + ":" + region + ":" + account + ":" + resource
	}
	clusterTag := "aws:ResourceTag/elbv2.k8s.aws/cluster"
	switch addon {
	case LoadBalancerController:
		lb := []string{arn("elasticloadbalancing", "loadbalancer/app/*/*"), arn("elasticloadbalancing", "targetgroup/*/*")}
		return policydoc.New(
			policydoc.Statement{Sid: "Read", Effect: policydoc.Allow, Resource: "*", Action: []string{
				"ec2:DescribeAccountAttributes", "ec2:DescribeAddresses", "ec2:DescribeAvailabilityZones", "ec2:DescribeInternetGateways",
				"ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces",
				"ec2:DescribeTags", "ec2:DescribeRouteTables", "ec2:GetSecurityGroupsForVpc",
				"elasticloadbalancing:Describe*", "acm:ListCertificates", "acm:DescribeCertificate",
				"wafv2:GetWebACL", "wafv2:GetWebACLForResource",
			}},
			policydoc.Statement{Sid: "ServiceLinkedRole", Effect: policydoc.Allow, Action: "iam:CreateServiceLinkedRole", Resource: "*",
				Condition: policydoc.Conditions{"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}}},
			// Security groups: created in the cluster's VPC, tagged
			// with the cluster, and then changed only if so tagged.
			policydoc.Statement{Sid: "CreateSecurityGroup", Effect: policydoc.Allow, Action: "ec2:CreateSecurityGroup",
				Resource: arn("ec2", "vpc/"+v.vpc)},
			policydoc.Statement{Sid: "CreateTaggedSecurityGroup", Effect: policydoc.Allow, Action: []string{"ec2:CreateSecurityGroup", "ec2:CreateTags"},
				Resource:  arn("ec2", "security-group/*"),
				Condition: policydoc.Conditions{"StringEquals": {"aws:RequestTag/elbv2.k8s.aws/cluster": v.cluster}}},
			policydoc.Statement{Sid: "OwnSecurityGroups", Effect: policydoc.Allow, Resource: arn("ec2", "security-group/*"), Action: []string{
				"ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup", "ec2:CreateTags", "ec2:DeleteTags",
			}, Condition: policydoc.Conditions{"StringEquals": {clusterTag: v.cluster}}},
			// Load balancers and target groups: created tagged with the
			// cluster, then changed only if so tagged.
			policydoc.Statement{Sid: "CreateLoadBalancers", Effect: policydoc.Allow, Resource: lb, Action: []string{
				"elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:AddTags",
			}, Condition: policydoc.Conditions{"StringEquals": {"aws:RequestTag/elbv2.k8s.aws/cluster": v.cluster}}},
			policydoc.Statement{Sid: "OwnLoadBalancers", Effect: policydoc.Allow, Resource: lb, Action: []string{
				"elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetIpAddressType", "elasticloadbalancing:SetSecurityGroups",
				"elasticloadbalancing:SetSubnets", "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:ModifyTargetGroup",
				"elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:DeleteTargetGroup", "elasticloadbalancing:RegisterTargets",
				"elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags",
			}, Condition: policydoc.Conditions{"StringEquals": {clusterTag: v.cluster}}},
			policydoc.Statement{Sid: "Listeners", Effect: policydoc.Allow, Action: []string{
				"elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener", "elasticloadbalancing:ModifyListener",
				"elasticloadbalancing:ModifyListenerAttributes", "elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule",
				"elasticloadbalancing:ModifyRule", "elasticloadbalancing:SetRulePriorities", "elasticloadbalancing:AddListenerCertificates",
				"elasticloadbalancing:RemoveListenerCertificates", "elasticloadbalancing:AddTags",
			}, Resource: []string{
				arn("elasticloadbalancing", "loadbalancer/app/*/*"), arn("elasticloadbalancing", "listener/app/*/*/*"),
				arn("elasticloadbalancing", "listener-rule/app/*/*/*"),
			}},
			// Only the edge's web ACL, only on application load balancers.
			policydoc.Statement{Sid: "WebACL", Effect: policydoc.Allow, Action: []string{
				"wafv2:AssociateWebACL", "wafv2:DisassociateWebACL", "elasticloadbalancing:SetWebAcl",
			}, Resource: []string{v.webACL, arn("elasticloadbalancing", "loadbalancer/app/*/*")}},
		), true
	case ExternalDNS:
		zone := "arn:aws:route53:::hostedzone/" + v.zone
		return policydoc.New(
			// upsert-only: records are created and updated, never deleted.
			policydoc.Statement{Sid: "Records", Effect: policydoc.Allow, Action: "route53:ChangeResourceRecordSets", Resource: zone,
				Condition: policydoc.Conditions{"ForAllValues:StringEquals": {"route53:ChangeResourceRecordSetsActions": []string{"CREATE", "UPSERT"}}}},
			policydoc.Statement{Sid: "ReadZone", Effect: policydoc.Allow, Action: []string{"route53:ListResourceRecordSets", "route53:ListTagsForResources"}, Resource: zone},
			policydoc.Statement{Sid: "ListZones", Effect: policydoc.Allow, Action: "route53:ListHostedZones", Resource: "*"},
		), true
	case ExternalSecrets:
		return policydoc.New(
			policydoc.Statement{Sid: "ReadSecrets", Effect: policydoc.Allow, Action: []string{
				"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds",
			}, Resource: arn("secretsmanager", "secret:"+n.Project+"/"+naming.EnvironmentCode(n.Environment)+"/*")},
			policydoc.Statement{Sid: "DecryptThroughSecretsManager", Effect: policydoc.Allow, Action: "kms:Decrypt", Resource: v.secretsKeys,
				Condition: policydoc.Conditions{"StringEquals": {"kms:ViaService": "secretsmanager." + region + ".amazonaws.com"}}},
		), true
	case ClusterAutoscaler:
		return policydoc.New(
			policydoc.Statement{Sid: "Read", Effect: policydoc.Allow, Resource: "*", Action: []string{
				"autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances", "autoscaling:DescribeLaunchConfigurations",
				"autoscaling:DescribeScalingActivities", "autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes",
				"ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements",
			}},
			policydoc.Statement{Sid: "NodeGroups", Effect: policydoc.Allow, Action: "eks:DescribeNodegroup", Resource: arn("eks", "nodegroup/"+v.cluster+"/*/*")},
			// Only the node groups EKS tagged as this cluster's.
			policydoc.Statement{Sid: "Scale", Effect: policydoc.Allow, Resource: "*", Action: []string{
				"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup",
			}, Condition: policydoc.Conditions{"StringEquals": {"aws:ResourceTag/k8s.io/cluster-autoscaler/" + v.cluster: "owned"}}},
		), true
	case Falco:
		return policydoc.New(
			policydoc.Statement{Sid: "PublishAlerts", Effect: policydoc.Allow, Action: "sns:Publish", Resource: v.topic},
			policydoc.Statement{Sid: "EncryptThroughSNS", Effect: policydoc.Allow, Action: []string{"kms:GenerateDataKey*", "kms:Decrypt"}, Resource: v.topicKey,
				Condition: policydoc.Conditions{"StringEquals": {"kms:ViaService": "sns." + region + ".amazonaws.com"}}},
		), true
	}
	return policydoc.Document{}, false
}
