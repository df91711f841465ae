package service

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
	"platform/internal/plantest"
)

const (
	dataBucket = "arn:aws:s3:::platform-prod-use1-data-111122223333"
	dataKey    = "arn:aws:kms:us-east-1:111122223333:key/data"
	secretsKey = "arn:aws:kms:us-east-1:111122223333:key/secrets"
	replicaKey = "arn:aws:kms:us-west-2:111122223333:key/secrets"
	deployRole = "arn:aws:iam::111122223333:role/platform-prod-use1-identity-deploy"
	esoRole    = "arn:aws:iam::111122223333:role/platform-prod-use1-addons-external-secrets"
	drEsoRole  = "arn:aws:iam::111122223333:role/platform-prod-usw2-addons-external-secrets"
	rotation   = "arn:aws:lambda:us-east-1:111122223333:function:rotate-provider-key"
	rotateRole = "arn:aws:iam::111122223333:role/rotate-provider-key"
)

func primaryArgs() *ServiceArgs {
	return &ServiceArgs{
		Namer: plantest.Namer("us-east-1"), Name: "mita-backend", Namespace: "mita", Team: "mita",
		ClusterName:           pulumi.String("platform-prod-use1-eks"),
		PermissionBoundaryArn: pulumi.String("arn:aws:iam::111122223333:policy/boundary"),
		Repository:            &Repository{KmsKeyArn: pulumi.String(dataKey), PushRoleArns: []pulumi.StringInput{pulumi.String(deployRole)}},
		Secrets: []Secret{{
			Name: "payments-provider", Description: "API key of the payments provider",
			RotationLambdaArn: rotation, RotationRoleArn: rotateRole, RotationDays: 30,
		}},
		SecretsKeyArn: pulumi.String(secretsKey), ReplicaRegion: "us-west-2", ReplicaSecretsKeyArn: pulumi.String(replicaKey),
		SecretReaderArns: []string{esoRole}, ReplicaSecretReaderArns: []string{drEsoRole}, SecretStore: "aws-secrets-manager",
		Database: &Database{ResourceID: pulumi.String("db-ABCDEFGHIJKL"), User: "mita_backend"},
		Data:     &Data{BucketArn: pulumi.String(dataBucket), KmsKeyArn: pulumi.String(dataKey)},
		Host:     "api.example-fintech.com", IngressClass: "alb-api",
		Failover: Primary, HealthCheckID: pulumi.String("hc-123"), SetIdentifier: "production",
		Protect: true,
	}
}

func drArgs() *ServiceArgs {
	a := primaryArgs()
	a.Namer = plantest.Namer("us-west-2")
	a.Repository, a.SecretsKeyArn, a.ReplicaRegion, a.ReplicaSecretsKeyArn = nil, nil, "", nil
	a.Failover, a.HealthCheckID, a.SetIdentifier = Secondary, nil, "dr"
	return a
}

func planService(t *testing.T, region string, a *ServiceArgs) *plan.Plan {
	t.Helper()
	return plantest.RunWithProviders(t, region, func(ctx *pulumi.Context, aws, k8s pulumi.ResourceOption) error {
		_, err := NewService(ctx, "mita-backend", a, aws, k8s)
		return err
	})
}

func policyStatements(t *testing.T, doc string) map[string]map[string]any {
	t.Helper()
	var d struct{ Statement []map[string]any }
	require.NoError(t, json.Unmarshal([]byte(doc), &d))
	out := map[string]map[string]any{}
	for _, s := range d.Statement {
		out[s["Sid"].(string)] = s
	}
	return out
}

func TestServiceChildren(t *testing.T) {
	p := planService(t, "us-east-1", primaryArgs())
	plantest.AssertProviders(t, p, "us-east-1")
	assert.Equal(t, map[string]int{
		"platform:registry:Repository":                          1,
		"aws:ecr/repository:Repository":                         1,
		"aws:ecr/lifecyclePolicy:LifecyclePolicy":               1,
		"aws:ecr/repositoryPolicy:RepositoryPolicy":             1,
		"platform:cluster:WorkloadRole":                         1,
		"aws:iam/role:Role":                                     1,
		"aws:iam/rolePolicy:RolePolicy":                         1,
		"aws:eks/podIdentityAssociation:PodIdentityAssociation": 1,
		"kubernetes:core/v1:ServiceAccount":                     1,
		"platform:secrets:Secret":                               1,
		"aws:secretsmanager/secret:Secret":                      1,
		"aws:secretsmanager/secretPolicy:SecretPolicy":          1,
		"aws:secretsmanager/secretRotation:SecretRotation":      1,
		"kubernetes:external-secrets.io/v1:ExternalSecret":      1,
		"kubernetes:networking.k8s.io/v1:Ingress":               1,
		"platform:service:Service":                              1,
		"pulumi:providers:aws":                                  1,
		"pulumi:providers:kubernetes":                           1,
	}, p.CountByType())

	dr := planService(t, "us-west-2", drArgs())
	counts := dr.CountByType()
	for _, typ := range []string{"aws:ecr/repository:Repository", "aws:secretsmanager/secret:Secret"} {
		assert.Zero(t, counts[typ], "the dr stack has the replicas of %s, not its own", typ)
	}
	for _, typ := range []string{"aws:eks/podIdentityAssociation:PodIdentityAssociation", "kubernetes:external-secrets.io/v1:ExternalSecret", "kubernetes:networking.k8s.io/v1:Ingress", "kubernetes:core/v1:ServiceAccount"} {
		assert.Equal(t, 1, counts[typ], "the dr stack runs the service too: %s", typ)
	}
}

func TestServiceRepository(t *testing.T) {
	p := planService(t, "us-east-1", primaryArgs())
	repo := plantest.Named(t, p, "aws:ecr/repository:Repository", "mita-backend")
	assert.Equal(t, "platform/mita-backend", repo.Inputs["name"])
	assert.Equal(t, "IMMUTABLE", repo.Inputs["imageTagMutability"])
	assert.Equal(t, "KMS", plantest.Input(repo, "encryptionConfigurations", 0, "encryptionType"))
	assert.Equal(t, dataKey, plantest.Input(repo, "encryptionConfigurations", 0, "kmsKey"))
	assert.Equal(t, true, plantest.Input(repo, "imageScanningConfiguration", "scanOnPush"))
	assert.True(t, repo.Protect, "released images are protected")
	assert.True(t, repo.RetainOnDelete)
	assert.Equal(t, "mita", plantest.Input(repo, "tags", "team"))
	policy := plantest.Named(t, p, "aws:ecr/repositoryPolicy:RepositoryPolicy", "mita-backend")
	st := policyStatements(t, policy.Inputs["policy"].(string))
	assert.Equal(t, deployRole, plantest.Input(plan.Resource{Inputs: st["AllowPush"]}, "Principal", "AWS"))
	assert.Equal(t, "Deny", st["DenyPushByOthers"]["Effect"], "only CI pushes")
}

func TestServiceIdentity(t *testing.T) {
	p := planService(t, "us-east-1", primaryArgs())
	role := plantest.Named(t, p, "aws:iam/role:Role", "mita-backend")
	assert.Equal(t, "arn:aws:iam::111122223333:policy/boundary", role.Inputs["permissionsBoundary"])
	trust := firstStatement(t, role.Inputs["assumeRolePolicy"].(string))
	assert.Equal(t, map[string]any{"Service": "pods.eks.amazonaws.com"}, trust["Principal"], "EKS Pod Identity only")
	cond := trust["Condition"].(map[string]any)["StringEquals"].(map[string]any)
	assert.Equal(t, "mita", cond["aws:RequestTag/kubernetes-namespace"])
	assert.Equal(t, "mita-backend", cond["aws:RequestTag/kubernetes-service-account"])

	st := policyStatements(t, plantest.Named(t, p, "aws:iam/rolePolicy:RolePolicy", "mita-backend").Inputs["policy"].(string))
	assert.Len(t, st, 4)
	assert.Equal(t, dataBucket+"/mita-backend/*", st["OwnPrefix"]["Resource"], "only its own prefix of the data bucket")
	assert.Equal(t, map[string]any{"StringLike": map[string]any{"s3:prefix": "mita-backend/*"}}, st["ListOwnPrefix"]["Condition"])
	assert.Equal(t, map[string]any{"StringEquals": map[string]any{"kms:ViaService": "s3.us-east-1.amazonaws.com"}}, st["DataKeyThroughS3"]["Condition"])
	assert.Equal(t, "arn:aws:rds-db:us-east-1:111122223333:dbuser:db-ABCDEFGHIJKL/mita_backend", st["ConnectAsOwnUser"]["Resource"])

	assoc := plantest.Named(t, p, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "mita-backend")
	assert.Equal(t, "mita", assoc.Inputs["namespace"])
	assert.Equal(t, "mita-backend", assoc.Inputs["serviceAccount"])
	assert.Equal(t, "platform-prod-use1-eks", assoc.Inputs["clusterName"])

	sa := plantest.Named(t, p, "kubernetes:core/v1:ServiceAccount", "mita-backend")
	assert.Equal(t, "mita-backend", plantest.Input(sa, "metadata", "name"))
	assert.Equal(t, "mita", plantest.Input(sa, "metadata", "namespace"))
	assert.Equal(t, false, sa.Inputs["automountServiceAccountToken"], "Pod Identity needs no API token")

	bare := primaryArgs()
	bare.Data, bare.Database = nil, nil
	st = policyStatements(t, plantest.Named(t, planService(t, "us-east-1", bare), "aws:iam/rolePolicy:RolePolicy", "mita-backend").Inputs["policy"].(string))
	assert.Equal(t, map[string]any{"Sid": "NothingGranted", "Effect": "Deny", "Action": "*", "Resource": "*"}, st["NothingGranted"], "a service without AWS access is granted nothing")
}

func TestServiceSecrets(t *testing.T) {
	p := planService(t, "us-east-1", primaryArgs())
	sec := plantest.Named(t, p, "aws:secretsmanager/secret:Secret", "mita-backend-payments-provider")
	assert.Equal(t, "platform/prod/mita-backend/payments-provider", sec.Inputs["name"])
	assert.Equal(t, secretsKey, sec.Inputs["kmsKeyId"])
	assert.Equal(t, "us-west-2", plantest.Input(sec, "replicas", 0, "region"))
	assert.Equal(t, replicaKey, plantest.Input(sec, "replicas", 0, "kmsKeyId"))
	assert.Equal(t, map[string]any{"service": "mita-backend", "team": "mita"}, sec.Inputs["tags"], "the team cost category finds the service's secrets")
	assert.True(t, sec.Protect)
	assert.NotContains(t, sec.Inputs, "secretString", "no value in state: filled outside Pulumi")
	rot := plantest.Named(t, p, "aws:secretsmanager/secretRotation:SecretRotation", "mita-backend-payments-provider")
	assert.Equal(t, 30.0, plantest.Input(rot, "rotationRules", "automaticallyAfterDays"))
	st := policyStatements(t, plantest.Named(t, p, "aws:secretsmanager/secretPolicy:SecretPolicy", "mita-backend-payments-provider").Inputs["policy"].(string))
	assert.Equal(t, esoRole, plantest.Input(plan.Resource{Inputs: st["ReadersOnly"]}, "Principal", "AWS"), "only the External Secrets operator reads values")
	assert.Equal(t, []any{esoRole, drEsoRole, rotateRole, "arn:aws:iam::111122223333:root"},
		plantest.Input(plan.Resource{Inputs: st["DenyEveryoneElse"]}, "Condition", "StringNotEquals", "aws:PrincipalArn"),
		"everyone else is denied the value: the dr stack's operator reads the replica")

	for _, tc := range []struct {
		name string
		p    *plan.Plan
	}{{"primary", p}, {"dr", planService(t, "us-west-2", drArgs())}} {
		es := plantest.Named(t, tc.p, "kubernetes:external-secrets.io/v1:ExternalSecret", "mita-backend-secrets")
		assert.Equal(t, "mita-backend-secrets", plantest.Input(es, "metadata", "name"), tc.name)
		assert.Equal(t, "mita", plantest.Input(es, "metadata", "namespace"), tc.name)
		assert.Equal(t, map[string]any{"kind": "ClusterSecretStore", "name": "aws-secrets-manager"}, plantest.Input(es, "spec", "secretStoreRef"), tc.name)
		assert.Equal(t, "mita-backend-secrets", plantest.Input(es, "spec", "target", "name"), tc.name)
		assert.Equal(t, "Owner", plantest.Input(es, "spec", "target", "creationPolicy"), tc.name)
		assert.Equal(t, "platform/prod/mita-backend/payments-provider", plantest.Input(es, "spec", "dataFrom", 0, "extract", "key"), tc.name+": the dr stack reads the replica by the same name")
	}
}

func TestServiceIngress(t *testing.T) {
	for _, tc := range []struct {
		name     string
		p        *plan.Plan
		failover string
		health   any
	}{
		{"production", planService(t, "us-east-1", primaryArgs()), "PRIMARY", "hc-123"},
		{"dr", planService(t, "us-west-2", drArgs()), "SECONDARY", nil},
	} {
		ing := plantest.Named(t, tc.p, "kubernetes:networking.k8s.io/v1:Ingress", "mita-backend")
		assert.Equal(t, "alb-api", plantest.Input(ing, "spec", "ingressClassName"), "the class carries WAF, TLS policy and access logs")
		assert.Equal(t, "api.example-fintech.com", plantest.Input(ing, "spec", "rules", 0, "host"))
		assert.Equal(t, "/metrics", plantest.Input(ing, "spec", "rules", 0, "http", "paths", 0, "path"))
		assert.Equal(t, "block-metrics", plantest.Input(ing, "spec", "rules", 0, "http", "paths", 0, "backend", "service", "name"), "metrics are not served to the internet")
		assert.Equal(t, "/", plantest.Input(ing, "spec", "rules", 0, "http", "paths", 1, "path"))
		assert.Equal(t, "mita-backend", plantest.Input(ing, "spec", "rules", 0, "http", "paths", 1, "backend", "service", "name"))
		assert.Equal(t, "http", plantest.Input(ing, "spec", "rules", 0, "http", "paths", 1, "backend", "service", "port", "name"))
		ann := plantest.Input(ing, "metadata", "annotations").(map[string]any)
		assert.Equal(t, "/readyz", ann["alb.ingress.kubernetes.io/healthcheck-path"])
		assert.JSONEq(t, `{"type":"fixed-response","fixedResponseConfig":{"contentType":"text/plain","statusCode":"404"}}`, ann["alb.ingress.kubernetes.io/actions.block-metrics"].(string))
		assert.Equal(t, `[{"HTTPS":443}]`, ann["alb.ingress.kubernetes.io/listen-ports"], "HTTPS only")
		assert.Equal(t, tc.failover, ann["external-dns.alpha.kubernetes.io/aws-failover"], tc.name)
		assert.Equal(t, tc.name, ann["external-dns.alpha.kubernetes.io/set-identifier"])
		assert.Equal(t, tc.health, ann["external-dns.alpha.kubernetes.io/aws-health-check-id"], tc.name)
		for key := range ann {
			assert.NotContains(t, []string{"alb.ingress.kubernetes.io/wafv2-acl-arn", "alb.ingress.kubernetes.io/ssl-policy", "alb.ingress.kubernetes.io/certificate-arn"}, key,
				"the ingress class owns the WAF, the TLS policy and the certificate")
		}
	}
}

func TestServiceValidation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(a *ServiceArgs)
		want   []string
	}{
		{"names", func(a *ServiceArgs) { a.Name, a.Namespace, a.Team = "Mita_Backend", "", "" }, []string{
			`name: must be a DNS label`, `namespace: must be a namespace name, got ""`, `team: must name the owning team`}},
		{"repository", func(a *ServiceArgs) { a.Repository.KmsKeyArn, a.Repository.PushRoleArns = nil, nil }, []string{
			"repository.kmsKeyArn: is required", "repository.pushRoleArns: name the CI role"}},
		{"secrets", func(a *ServiceArgs) {
			a.Secrets = append(a.Secrets, a.Secrets[0])
			a.SecretReaderArns, a.SecretStore, a.ReplicaSecretsKeyArn = nil, "", nil
		}, []string{`secrets[1].name: "payments-provider" is declared twice`, "secretStore: the ExternalSecret needs", "secretReaderArns: name the External Secrets operator's role", "replicaSecretsKeyArn: the replicas in us-west-2"}},
		{"access", func(a *ServiceArgs) {
			a.Database.User, a.Database.ResourceID = "Mita-Backend", nil
			a.Data.Prefix = "*"
		}, []string{"database.resourceId: is required", `database.user: must be a PostgreSQL user name`, `data.prefix: must be a folder such as "mita-backend/"`}},
		{"traffic", func(a *ServiceArgs) {
			a.Host, a.IngressClass, a.HealthCheckPath, a.HealthCheckID = "https://api", "", "readyz", nil
		}, []string{`host: must be a DNS name`, "ingressClass: is required", `healthCheckPath: must be a path`, "healthCheckId: a primary failover record needs"}},
		{"failover", func(a *ServiceArgs) { a.Failover = "ACTIVE" }, []string{`failover: must be PRIMARY or SECONDARY, got "ACTIVE"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := primaryArgs()
			tc.change(a)
			plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
				_, err := NewService(ctx, "mita-backend", a, nil, nil)
				return err
			}, tc.want...)
		})
	}
}

func firstStatement(t *testing.T, doc string) map[string]any {
	t.Helper()
	var d struct{ Statement []map[string]any }
	require.NoError(t, json.Unmarshal([]byte(doc), &d))
	require.Len(t, d.Statement, 1)
	return d.Statement[0]
}
