package registry

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
	dataKey    = "arn:aws:kms:us-east-1:111122223333:key/data"
	boundary   = "arn:aws:iam::111122223333:policy/platform-prod-permission-boundary"
	nodeRole   = "arn:aws:iam::111122223333:role/platform-prod-use1-nodes"
	deployRole = "arn:aws:iam::111122223333:role/platform-prod-deploy"
	hubSecret  = "arn:aws:secretsmanager:us-east-1:111122223333:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
)

func registryArgs() *RegistryArgs {
	return &RegistryArgs{
		Namer: plantest.Namer("us-east-1"), KmsKeyArn: pulumi.String(dataKey), ReplicationRegion: "us-west-2",
		PullThroughCaches:     append(append([]PullThroughCache{}, PublicCaches...), DockerHub(pulumi.String(hubSecret))),
		PermissionBoundaryArn: pulumi.String(boundary),
	}
}

func planRegistry(t *testing.T, mutate func(*RegistryArgs)) *plan.Plan {
	t.Helper()
	return plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		a := registryArgs()
		if mutate != nil {
			mutate(a)
		}
		_, err := NewRegistry(ctx, "registry", a, prov)
		return err
	})
}

func repositoryArgs() *RepositoryArgs {
	return &RepositoryArgs{
		Namer: plantest.Namer("us-east-1"), Service: "mita-backend", KmsKeyArn: pulumi.String(dataKey),
		PullRoleArns: []pulumi.StringInput{pulumi.String(nodeRole)},
		PushRoleArns: []pulumi.StringInput{pulumi.String(deployRole)},
		Protect:      true,
	}
}

func planRepository(t *testing.T, mutate func(*RepositoryArgs)) *plan.Plan {
	t.Helper()
	return plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		a := repositoryArgs()
		if mutate != nil {
			mutate(a)
		}
		_, err := NewRepository(ctx, "mita-backend", a, prov)
		return err
	})
}

func get(t *testing.T, p *plan.Plan, typ, name string) plan.Resource {
	t.Helper()
	r, ok := p.Named(typ, name)
	require.True(t, ok, "%s %s is registered", typ, name)
	return r
}

func TestRegistryChildren(t *testing.T) {
	p := planRegistry(t, nil)
	assert.Equal(t, map[string]int{
		"aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": 1,
		"aws:ecr/replicationConfiguration:ReplicationConfiguration":           1,
		"aws:iam/role:Role":                                             1,
		"aws:iam/rolePolicy:RolePolicy":                                 1,
		"aws:ecr/pullThroughCacheRule:PullThroughCacheRule":             3,
		"aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": 4, // replication + one per cache
	}, p.ChildTypes("platform:registry:Registry", "registry"))
	plantest.AssertProviders(t, p, "us-east-1")

	// The DR region's registry replicates nowhere and caches nothing here.
	dr := planRegistry(t, func(a *RegistryArgs) { a.ReplicationRegion, a.PullThroughCaches = "", nil })
	assert.Equal(t, map[string]int{
		"aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": 1,
		"aws:iam/role:Role":             1,
		"aws:iam/rolePolicy:RolePolicy": 1,
		"aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": 1,
	}, dr.ChildTypes("platform:registry:Registry", "registry"))
}

func TestRegistryScanning(t *testing.T) {
	p := planRegistry(t, nil)
	scan := get(t, p, "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration", "registry")
	assert.Equal(t, "ENHANCED", scan.Inputs["scanType"])
	want := []any{
		map[string]any{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": []any{map[string]any{"filter": "*", "filterType": "WILDCARD"}}},
		map[string]any{"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": []any{map[string]any{"filter": "*", "filterType": "WILDCARD"}}},
	}
	assert.Equal(t, want, scan.Inputs["rules"])
}

func TestRegistryReplication(t *testing.T) {
	p := planRegistry(t, nil)
	rc := get(t, p, "aws:ecr/replicationConfiguration:ReplicationConfiguration", "registry")
	rule := []any{"replicationConfiguration", "rules", 0}
	assert.Equal(t, "us-west-2", plantest.Input(rc, append(rule, "destinations", 0, "region")...))
	assert.Equal(t, plantest.Account, plantest.Input(rc, append(rule, "destinations", 0, "registryId")...), "same account")
	assert.Len(t, plantest.Input(rc, append(rule, "destinations")...), 1)
	assert.Equal(t, map[string]any{"filter": "platform", "filterType": "PREFIX_MATCH"},
		plantest.Input(rc, append(rule, "repositoryFilters", 0)...), "only the platform's repositories, not the caches")

	p = planRegistry(t, func(a *RegistryArgs) { a.RepositoryPrefix = "mita" })
	rc = get(t, p, "aws:ecr/replicationConfiguration:ReplicationConfiguration", "registry")
	assert.Equal(t, "mita", plantest.Input(rc, append(rule, "repositoryFilters", 0, "filter")...))
}

func TestRegistryCaches(t *testing.T) {
	p := planRegistry(t, nil)
	for prefix, upstream := range map[string]string{"ecr-public": "public.ecr.aws", "quay": "quay.io", "docker-hub": "registry-1.docker.io"} {
		rule := get(t, p, "aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "registry-"+prefix)
		assert.Equal(t, prefix, rule.Inputs["ecrRepositoryPrefix"])
		assert.Equal(t, upstream, rule.Inputs["upstreamRegistryUrl"])
		if prefix == "docker-hub" {
			assert.Equal(t, hubSecret, rule.Inputs["credentialArn"])
		} else {
			assert.Nil(t, rule.Inputs["credentialArn"], "public upstreams need no credentials")
		}
	}
}

func TestCreationTemplates(t *testing.T) {
	p := planRegistry(t, nil)
	role := get(t, p, "aws:iam/role:Role", "registry-repository-creation")
	assert.Equal(t, "platform-prod-use1-ecr-repository-creation", role.Inputs["name"])
	assert.Equal(t, boundary, role.Inputs["permissionsBoundary"])
	var trust map[string]any
	require.NoError(t, json.Unmarshal([]byte(role.Inputs["assumeRolePolicy"].(string)), &trust))
	assert.Equal(t, map[string]any{"Service": "ecr.amazonaws.com"}, plantest.Input(plan.Resource{Inputs: trust}, "Statement", 0, "Principal"))

	policy := get(t, p, "aws:iam/rolePolicy:RolePolicy", "registry-repository-creation")
	assert.JSONEq(t, CreationRolePolicy(plantest.Namer("us-east-1"), dataKey, []string{"platform", "ecr-public", "quay", "docker-hub"}).JSON(), policy.Inputs["policy"].(string))
	assert.Contains(t, policy.Inputs["policy"], `"arn:aws:ecr:us-east-1:111122223333:repository/platform/*"`, "scoped to the template prefixes")
	assert.Contains(t, policy.Inputs["policy"], `"Resource":"`+dataKey+`"`, "scoped to the data key")

	lifecycle := Lifecycle{}.withDefaults().Policy().JSON()
	cases := map[string]struct {
		prefix, appliedFor, mutability string
	}{
		"registry-replication": {"platform", "REPLICATION", "IMMUTABLE"},
		"registry-ecr-public":  {"ecr-public", "PULL_THROUGH_CACHE", "MUTABLE"},
		"registry-quay":        {"quay", "PULL_THROUGH_CACHE", "MUTABLE"},
		"registry-docker-hub":  {"docker-hub", "PULL_THROUGH_CACHE", "MUTABLE"},
	}
	for name, want := range cases {
		tpl := get(t, p, "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate", name)
		assert.Equal(t, want.prefix, tpl.Inputs["prefix"], name)
		assert.Equal(t, []any{want.appliedFor}, tpl.Inputs["appliedFors"], name)
		assert.Equal(t, want.mutability, tpl.Inputs["imageTagMutability"], name)
		assert.Equal(t, []any{map[string]any{"encryptionType": "KMS", "kmsKey": dataKey}}, tpl.Inputs["encryptionConfigurations"], name)
		assert.JSONEq(t, lifecycle, tpl.Inputs["lifecyclePolicy"].(string), name)
		assert.NotEmpty(t, tpl.Inputs["customRoleArn"], "%s: ECR needs the role to use the key", name)
	}
}

func TestRepositorySecurityInputs(t *testing.T) {
	p := planRepository(t, nil)
	assert.Equal(t, map[string]int{
		"aws:ecr/repository:Repository":             1,
		"aws:ecr/lifecyclePolicy:LifecyclePolicy":   1,
		"aws:ecr/repositoryPolicy:RepositoryPolicy": 1,
	}, p.ChildTypes("platform:registry:Repository", "mita-backend"))
	plantest.AssertProviders(t, p, "us-east-1")

	repo := get(t, p, "aws:ecr/repository:Repository", "mita-backend")
	assert.Equal(t, "platform/mita-backend", repo.Inputs["name"])
	assert.Equal(t, "IMMUTABLE", repo.Inputs["imageTagMutability"])
	assert.Equal(t, []any{map[string]any{"encryptionType": "KMS", "kmsKey": dataKey}}, repo.Inputs["encryptionConfigurations"])
	assert.Equal(t, true, plantest.Input(repo, "imageScanningConfiguration", "scanOnPush"))
	assert.Equal(t, false, repo.Inputs["forceDelete"])
	assert.True(t, repo.Protect, "protected under the switch")
	assert.True(t, repo.RetainOnDelete, "never deleted with the program")

	unprotected := planRepository(t, func(a *RepositoryArgs) { a.Protect = false })
	repo = get(t, unprotected, "aws:ecr/repository:Repository", "mita-backend")
	assert.False(t, repo.Protect)
	assert.True(t, repo.RetainOnDelete, "retained even when not protected")
}

func TestRepositoryLifecycle(t *testing.T) {
	p := planRepository(t, nil)
	lp := get(t, p, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "mita-backend")
	assert.Equal(t, "platform/mita-backend", lp.Inputs["repository"])
	assert.JSONEq(t, `{"rules":[
		{"rulePriority":1,"description":"expire untagged images 7 days after their push",
		 "selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}},
		{"rulePriority":2,"description":"keep the newest 30 release images for rollbacks",
		 "selection":{"tagStatus":"tagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":30},"action":{"type":"expire"}}
	]}`, lp.Inputs["policy"].(string))

	tuned := planRepository(t, func(a *RepositoryArgs) {
		a.Lifecycle = Lifecycle{UntaggedExpiryDays: 3, ReleaseTagPrefixes: []string{"v", "release-"}, KeepReleaseImages: 50}
	})
	lp = get(t, tuned, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "mita-backend")
	var doc LifecyclePolicy
	require.NoError(t, json.Unmarshal([]byte(lp.Inputs["policy"].(string)), &doc))
	require.Len(t, doc.Rules, 2)
	assert.Equal(t, 3, doc.Rules[0].Selection.CountNumber)
	assert.Equal(t, []string{"v", "release-"}, doc.Rules[1].Selection.TagPrefixList)
	assert.Equal(t, 50, doc.Rules[1].Selection.CountNumber)
}

func TestRepositoryPolicy(t *testing.T) {
	p := planRepository(t, nil)
	rp := get(t, p, "aws:ecr/repositoryPolicy:RepositoryPolicy", "mita-backend")
	assert.Equal(t, "platform/mita-backend", rp.Inputs["repository"])
	assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[
		{"Sid":"AllowPull","Effect":"Allow","Principal":{"AWS":"`+nodeRole+`"},
		 "Action":["ecr:BatchCheckLayerAvailability","ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]},
		{"Sid":"AllowPush","Effect":"Allow","Principal":{"AWS":"`+deployRole+`"},
		 "Action":["ecr:BatchCheckLayerAvailability","ecr:BatchGetImage","ecr:GetDownloadUrlForLayer",
		           "ecr:CompleteLayerUpload","ecr:InitiateLayerUpload","ecr:PutImage","ecr:UploadLayerPart"]},
		{"Sid":"DenyPushByOthers","Effect":"Deny","Principal":"*",
		 "Action":["ecr:CompleteLayerUpload","ecr:InitiateLayerUpload","ecr:PutImage","ecr:UploadLayerPart"],
		 "Condition":{"StringNotEquals":{"aws:PrincipalArn":["`+deployRole+`"]}}}
	]}`, rp.Inputs["policy"].(string))

	// Pull-only: nobody may push.
	doc := RepositoryPolicy([]string{nodeRole}, nil).JSON()
	assert.Contains(t, doc, `"StringNotEquals":{"aws:PrincipalArn":""}`)
	assert.NotContains(t, doc, "AllowPush")

	none := planRepository(t, func(a *RepositoryArgs) { a.PullRoleArns, a.PushRoleArns = nil, nil })
	_, ok := none.Named("aws:ecr/repositoryPolicy:RepositoryPolicy", "mita-backend")
	assert.False(t, ok, "no roles named: identity policies decide")
}

func TestRegistryValidation(t *testing.T) {
	plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
		_, err := NewRegistry(ctx, "registry", &RegistryArgs{
			Namer: plantest.Namer("us-east-1"), RepositoryPrefix: "Platform", ReplicationRegion: "us-east-1",
			PullThroughCaches: []PullThroughCache{
				{Prefix: "q", UpstreamRegistryURL: "quay.io"},
				{Prefix: "docker-hub", UpstreamRegistryURL: "registry-1.docker.io"},
				{Prefix: "ghcr", UpstreamRegistryURL: "https://ghcr.io/"},
			},
			Lifecycle: Lifecycle{UntaggedExpiryDays: -1, KeepReleaseImages: 2, ReleaseTagPrefixes: []string{"v*"}},
		})
		return err
	},
		"registry registry:",
		"kmsKeyArn: is required",
		"permissionBoundaryArn: is required",
		"repositoryPrefix: must be lower-case",
		`replicationRegion: must be a region other than "us-east-1"`,
		`pullThroughCaches[0].prefix: must be 2-30`,
		"pullThroughCaches[1].credentialArn: registry-1.docker.io requires credentials",
		"pullThroughCaches[2].upstreamRegistryUrl: must be a registry host name",
		"lifecycle.untaggedExpiryDays: must be at least 1",
		"lifecycle.keepReleaseImages: must be at least 5",
		"lifecycle.releaseTagPrefixes[0]: must be a tag prefix",
	)
	plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
		a := registryArgs()
		a.PullThroughCaches = append(a.PullThroughCaches, PullThroughCache{Prefix: "platform", UpstreamRegistryURL: "quay.io"})
		_, err := NewRegistry(ctx, "registry", a)
		return err
	}, `pullThroughCaches[3].prefix: "platform" is already used`)
}

func TestRepositoryValidation(t *testing.T) {
	plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
		_, err := NewRepository(ctx, "bad", &RepositoryArgs{
			Namer: plantest.Namer("us-east-1"), Service: "Mita_Backend!",
			PushRoleArns: []pulumi.StringInput{nil},
			Lifecycle:    Lifecycle{KeepReleaseImages: 1},
		})
		return err
	},
		"repository bad:",
		"service: must be lower-case",
		"kmsKeyArn: is required",
		"pushRoleArns[0]: is nil",
		"lifecycle.keepReleaseImages: must be at least 5",
	)
}
