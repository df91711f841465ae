package tests

// Control 84 (shared/CONTROLS.md): the GitHub Actions workflows pin every
// action to a full commit SHA, give each job only the token scopes it
// needs, and reach AWS through OIDC, never with stored keys. The checker
// below reads the workflow files themselves (YAML tree and raw lines, for
// the version comments); the tests run it over .github/workflows, over
// small bad workflows that it must refuse, and check what the platform's
// own workflows and Dependabot config promise. actionlint, when given,
// lints the same files the way GitHub reads them.

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// workflowsDir holds the repository's workflows.
var workflowsDir = filepath.Join(projectDir, ".github", "workflows")

// workflowFile is one workflow: its name for messages, its raw lines (a
// version comment lives there) and its YAML tree.
type workflowFile struct {
	name  string
	lines []string
	root  *yaml.Node // the top-level mapping
}

func parseWorkflow(name string, src []byte) (*workflowFile, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: not a YAML mapping", name)
	}
	return &workflowFile{name: name, lines: strings.Split(string(src), "\n"), root: doc.Content[0]}, nil
}

// yamlGet is the value of key in a mapping node, or nil.
func yamlGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// yamlPairs are the key/value pairs of a mapping node, in order.
func yamlPairs(n *yaml.Node) [][2]*yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var out [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
	}
	return out
}

// yamlItems are a sequence node's items, or nil.
func yamlItems(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

// yamlString is a scalar's value, or "" for anything else.
func yamlString(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

var (
	// pinnedAction is owner/repo[/path]@<full commit SHA>.
	pinnedAction = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[^@\s]+)?@[0-9a-f]{40}$`)
	// pinnedImage is a docker:// action pinned by digest.
	pinnedImage = regexp.MustCompile(`^docker://[^@\s]+@sha256:[0-9a-f]{64}$`)
	// versionComment is the `# vX...` after the value on the same line.
	versionComment = regexp.MustCompile(`^["']?\s+#\s*v[0-9][^\s]*`)
	// secretRef is a reference to a repository secret in an expression.
	secretRef = regexp.MustCompile(`secrets\s*(?:\.\s*|\[\s*['"])([A-Za-z0-9_-]+)`)
	// storedAWSKey is a secret's name that holds a long-lived AWS key.
	storedAWSKey = regexp.MustCompile(`(?i)aws[_-]?(access[_-]?key|secret)`)
	// awsKeyName is an env variable or action input that takes one.
	awsKeyName = regexp.MustCompile(`(?i)^aws[_-](access[_-]key[_-]id|secret[_-]access[_-]key)$`)
)

// workflowProblems is every violation of control 84 in one workflow,
// each as "file:line: what is wrong: the fix".
func workflowProblems(w *workflowFile) []string {
	var problems []string
	add := func(n *yaml.Node, format string, args ...any) {
		line := 0
		if n != nil {
			line = n.Line
		}
		problems = append(problems, fmt.Sprintf("%s:%d: ", w.name, line)+fmt.Sprintf(format, args...))
	}

	// Triggers: pull_request_target runs a pull request's workflow with
	// the base repository's write token and secrets.
	on := yamlGet(w.root, "on")
	if on == nil {
		add(w.root, "on: missing: name the events that run the workflow")
	}
	var triggers []*yaml.Node
	switch {
	case on == nil:
	case on.Kind == yaml.ScalarNode:
		triggers = []*yaml.Node{on}
	case on.Kind == yaml.SequenceNode:
		triggers = yamlItems(on)
	default:
		for _, kv := range yamlPairs(on) {
			triggers = append(triggers, kv[0])
		}
	}
	for _, t := range triggers {
		if t.Value == "pull_request_target" {
			add(t, "on: pull_request_target runs pull-request code with the base repository's write token and secrets: use pull_request")
		}
	}

	// The workflow's default token: nothing, or read-only.
	top := yamlGet(w.root, "permissions")
	switch {
	case top == nil:
		add(w.root, "permissions: missing at the workflow level, so the repository's default token scopes apply: set `permissions: {}` and name scopes per job")
	case top.Kind == yaml.ScalarNode && top.Value != "read-all":
		add(top, "permissions: %q at the workflow level: set `permissions: {}` (or contents: read) and name scopes per job", top.Value)
	default:
		for _, kv := range yamlPairs(top) {
			if v := kv[1].Value; v != "read" && v != "none" {
				add(kv[1], "permissions.%s: %q at the workflow level: the workflow's default must be read-only; grant it on the job that needs it", kv[0].Value, v)
			}
		}
	}

	// Stored keys and passphrases, anywhere in the file: secret
	// references in any value, and env or input names.
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode {
			for _, m := range secretRef.FindAllStringSubmatch(n.Value, -1) {
				if storedAWSKey.MatchString(m[1]) {
					add(n, "secrets.%s: a stored AWS key: assume a role through GitHub OIDC (aws-actions/configure-aws-credentials with role-to-assume and id-token: write)", m[1])
				}
				if strings.EqualFold(m[1], "PULUMI_CONFIG_PASSPHRASE") {
					add(n, "secrets.%s: the stacks encrypt their secrets with awskms://, not a passphrase: remove it", m[1])
				}
			}
		}
		if n.Kind == yaml.MappingNode {
			for _, kv := range yamlPairs(n) {
				if awsKeyName.MatchString(kv[0].Value) {
					add(kv[0], "%s: a long-lived AWS key: assume a role through GitHub OIDC instead", kv[0].Value)
				}
				if kv[0].Value == "PULUMI_CONFIG_PASSPHRASE" {
					add(kv[0], "PULUMI_CONFIG_PASSPHRASE: the stacks encrypt their secrets with awskms://, not a passphrase: remove it")
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(w.root)

	jobs := yamlGet(w.root, "jobs")
	if jobs == nil || jobs.Kind != yaml.MappingNode || len(jobs.Content) == 0 {
		add(w.root, "jobs: missing or empty")
		return problems
	}
	for _, kv := range yamlPairs(jobs) {
		id, job := kv[0].Value, kv[1]
		perms := yamlGet(job, "permissions")
		switch {
		case perms == nil:
			add(kv[0], "jobs.%s.permissions: missing: name the scopes the job needs (contents: read at least)", id)
		case perms.Kind == yaml.ScalarNode && (perms.Value == "write-all" || perms.Value == "read-all"):
			add(perms, "jobs.%s.permissions: %q: name each scope the job needs instead", id, perms.Value)
		}
		idToken := yamlString(yamlGet(perms, "id-token")) == "write"

		if uses := yamlGet(job, "uses"); uses != nil {
			// A reusable workflow: its own jobs say whether they assume
			// a role, so only the pin is judged here.
			problems = append(problems, usesProblems(w, fmt.Sprintf("jobs.%s.uses", id), uses)...)
			continue
		}
		assumesRole := false
		for i, step := range yamlItems(yamlGet(job, "steps")) {
			uses := yamlGet(step, "uses")
			if uses == nil {
				continue
			}
			where := fmt.Sprintf("jobs.%s.steps[%d].uses", id, i)
			problems = append(problems, usesProblems(w, where, uses)...)
			action, _, _ := strings.Cut(uses.Value, "@")
			with := yamlGet(step, "with")
			switch action {
			case "actions/checkout":
				if yamlString(yamlGet(with, "persist-credentials")) != "false" {
					add(uses, "%s: actions/checkout leaves the job's token in .git/config: set with.persist-credentials: false", where)
				}
			case "aws-actions/configure-aws-credentials":
				if yamlString(yamlGet(with, "role-to-assume")) != "" {
					assumesRole = true
				} else {
					add(uses, "%s: configure-aws-credentials without role-to-assume: assume a role through GitHub OIDC", where)
				}
			}
		}
		switch {
		case assumesRole && !idToken:
			add(kv[0], "jobs.%s.permissions: the job assumes an AWS role through OIDC: grant id-token: write", id)
		case !assumesRole && idToken:
			add(perms, "jobs.%s.permissions: id-token: write, but the job assumes no AWS role: remove it", id)
		}
	}
	return problems
}

// usesProblems judges one `uses:` value: a local action or workflow, a
// docker image by digest, or owner/repo[/path]@<40-hex SHA> followed by
// `# vX` on the same line.
func usesProblems(w *workflowFile, where string, uses *yaml.Node) []string {
	v := uses.Value
	at := fmt.Sprintf("%s:%d: %s", w.name, uses.Line, where)
	switch {
	case strings.HasPrefix(v, "./"):
		return nil
	case strings.HasPrefix(v, "docker://"):
		if !pinnedImage.MatchString(v) {
			return []string{fmt.Sprintf("%s: %q: pin the image by digest (docker://image@sha256:<digest>)", at, v)}
		}
		return nil
	case !pinnedAction.MatchString(v):
		return []string{fmt.Sprintf("%s: %q is not pinned to a full 40-hex commit SHA: use owner/repo@<sha> # vX.Y.Z", at, v)}
	}
	line := ""
	if uses.Line >= 1 && uses.Line <= len(w.lines) {
		line = w.lines[uses.Line-1]
	}
	i := strings.Index(line, v)
	if i < 0 || !versionComment.MatchString(line[i+len(v):]) {
		return []string{fmt.Sprintf("%s: %q has no version comment: add `# vX.Y.Z` after the SHA on the same line", at, v)}
	}
	return nil
}

// loadWorkflows parses every workflow of the repository.
func loadWorkflows(t *testing.T) map[string]*workflowFile {
	t.Helper()
	var files []string
	for _, pattern := range []string{"*.yml", "*.yaml"} {
		m, err := filepath.Glob(filepath.Join(workflowsDir, pattern))
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.NotEmpty(t, files, "no workflow in %s", workflowsDir)
	out := map[string]*workflowFile{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		w, err := parseWorkflow(filepath.Base(f), src)
		require.NoError(t, err)
		out[w.name] = w
	}
	return out
}

// TestWorkflowsFollowControl84 runs the checker over the repository's
// workflows, and requires one pin per action across all of them.
func TestWorkflowsFollowControl84(t *testing.T) {
	workflows := loadWorkflows(t)
	for _, name := range []string{"pr.yml", "main.yml", "security.yml"} {
		require.Contains(t, workflows, name)
	}
	names := slices.Sorted(maps.Keys(workflows))
	pins := map[string]string{} // owner/repo -> "sha # vX"
	for _, name := range names {
		w := workflows[name]
		assert.Empty(t, workflowProblems(w), name)
		for _, job := range yamlPairs(yamlGet(w.root, "jobs")) {
			for _, step := range yamlItems(yamlGet(job[1], "steps")) {
				uses := yamlGet(step, "uses")
				if uses == nil || !pinnedAction.MatchString(uses.Value) {
					continue
				}
				ref, sha, _ := strings.Cut(uses.Value, "@")
				parts := strings.SplitN(ref, "/", 3)
				repo := parts[0] + "/" + parts[1]
				line := w.lines[uses.Line-1]
				comment := ""
				if i := strings.Index(line, "#"); i >= 0 {
					comment = strings.TrimSpace(line[i:])
				}
				pin := sha + " " + comment
				if prev, ok := pins[repo]; ok {
					assert.Equal(t, prev, pin, "%s:%d: %s is pinned differently elsewhere: one SHA and version per action", name, uses.Line, repo)
				}
				pins[repo] = pin
			}
		}
	}
	for _, repo := range []string{"actions/checkout", "actions/setup-go", "aws-actions/configure-aws-credentials", "pulumi/actions", "github/codeql-action"} {
		assert.Contains(t, pins, repo, "the workflows use %s", repo)
	}
}

// TestWorkflowsCheckerFindsProblems feeds the checker small workflows
// that break one rule each: every problem must be reported, with its
// place, and a clean workflow must pass.
func TestWorkflowsCheckerFindsProblems(t *testing.T) {
	const sha = "3d3c42e5aac5ba805825da76410c181273ba90b1"
	clean := `name: clean
on:
  pull_request:
permissions: {}
jobs:
  build:
    permissions:
      contents: read
      id-token: write
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@` + sha + ` # v7.0.1
        with:
          persist-credentials: false
      - uses: aws-actions/configure-aws-credentials@` + sha + ` # v6.2.3
        with:
          role-to-assume: ${{ vars.ROLE }}
          aws-region: us-east-1
      - uses: ./.github/actions/local
      - uses: docker://alpine@sha256:` + strings.Repeat("a", 64) + `
      - run: make test
  reuse:
    permissions:
      contents: read
    uses: owner/repo/.github/workflows/x.yml@` + sha + ` # v1.2.0
`
	w, err := parseWorkflow("clean.yml", []byte(clean))
	require.NoError(t, err)
	require.Empty(t, workflowProblems(w))

	cases := []struct {
		name, old, new string
		want           []string
	}{
		{"tag instead of SHA", "actions/checkout@" + sha, "actions/checkout@v7",
			[]string{"bad.yml:12: jobs.build.steps[0].uses", `"actions/checkout@v7" is not pinned to a full 40-hex commit SHA`}},
		{"short SHA", "actions/checkout@" + sha, "actions/checkout@3d3c42e",
			[]string{"not pinned to a full 40-hex commit SHA"}},
		{"no version comment", sha + " # v7.0.1", sha,
			[]string{"bad.yml:12: jobs.build.steps[0].uses", "has no version comment"}},
		{"comment without a version", sha + " # v7.0.1", sha + " # pinned",
			[]string{"has no version comment"}},
		{"unpinned reusable workflow", "x.yml@" + sha + " # v1.2.0", "x.yml@main",
			[]string{"jobs.reuse.uses", "not pinned to a full 40-hex commit SHA"}},
		{"image by tag", "alpine@sha256:" + strings.Repeat("a", 64), "alpine:3",
			[]string{"jobs.build.steps[3].uses", "pin the image by digest"}},
		{"pull_request_target", "  pull_request:\n", "  pull_request_target:\n",
			[]string{"bad.yml:3: on: pull_request_target"}},
		{"pull_request_target in a list", "on:\n  pull_request:\n", "on: [push, pull_request_target]\n",
			[]string{"on: pull_request_target"}},
		{"no workflow permissions", "permissions: {}\n", "",
			[]string{"permissions: missing at the workflow level"}},
		{"write-all workflow permissions", "permissions: {}\n", "permissions: write-all\n",
			[]string{`permissions: "write-all" at the workflow level`}},
		{"write scope at the workflow level", "permissions: {}\n", "permissions:\n  contents: write\n",
			[]string{`permissions.contents: "write" at the workflow level`}},
		{"job without permissions", "  reuse:\n    permissions:\n      contents: read\n", "  reuse:\n",
			[]string{"jobs.reuse.permissions: missing"}},
		{"write-all job", "    permissions:\n      contents: read\n    uses:", "    permissions: write-all\n    uses:",
			[]string{`jobs.reuse.permissions: "write-all"`}},
		{"role without id-token", "      id-token: write\n", "",
			[]string{"jobs.build.permissions: the job assumes an AWS role through OIDC: grant id-token: write"}},
		{"id-token without role", "          role-to-assume: ${{ vars.ROLE }}\n", "",
			[]string{"configure-aws-credentials without role-to-assume", "id-token: write, but the job assumes no AWS role"}},
		{"stored key as input", "          aws-region: us-east-1\n", "          aws-region: us-east-1\n          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}\n",
			[]string{"aws-access-key-id: a long-lived AWS key", "secrets.AWS_ACCESS_KEY_ID: a stored AWS key"}},
		{"key in env", "      - run: make test\n", "      - run: make test\n        env:\n          AWS_SECRET_ACCESS_KEY: ${{ vars.KEY }}\n",
			[]string{"AWS_SECRET_ACCESS_KEY: a long-lived AWS key"}},
		{"stored key in env", "      - run: make test\n", "      - run: make test\n        env:\n          KEY: ${{ secrets['AWS_SECRET_ACCESS_KEY'] }}\n",
			[]string{"secrets.AWS_SECRET_ACCESS_KEY: a stored AWS key"}},
		{"passphrase", "      - run: make test\n", "      - run: make test\n        env:\n          PULUMI_CONFIG_PASSPHRASE: ${{ secrets.PULUMI_CONFIG_PASSPHRASE }}\n",
			[]string{"PULUMI_CONFIG_PASSPHRASE: the stacks encrypt", "secrets.PULUMI_CONFIG_PASSPHRASE: the stacks encrypt"}},
		{"credentials left in .git", "          persist-credentials: false\n", "          fetch-depth: 0\n",
			[]string{"jobs.build.steps[0].uses: actions/checkout leaves the job's token"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, 1, strings.Count(clean, tc.old), "the case must change exactly one place: %q", tc.old)
			w, err := parseWorkflow("bad.yml", []byte(strings.Replace(clean, tc.old, tc.new, 1)))
			require.NoError(t, err)
			got := strings.Join(workflowProblems(w), "\n")
			for _, want := range tc.want {
				assert.Contains(t, got, want)
			}
		})
	}
}

// stackFileRegion is platform:region of Pulumi.<stack>.yaml.
func stackFileRegion(t *testing.T, stack string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(projectDir, "Pulumi."+stack+".yaml"))
	require.NoError(t, err)
	var doc struct {
		Config map[string]any `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(src, &doc))
	region, _ := doc.Config["platform:region"].(string)
	require.NotEmpty(t, region, "Pulumi.%s.yaml has platform:region", stack)
	return region
}

// stackFiles are the stacks with a Pulumi.<stack>.yaml.
func stackFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(projectDir, "Pulumi.*.yaml"))
	require.NoError(t, err)
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
	}
	sort.Strings(out)
	require.NotEmpty(t, out)
	return out
}

// jobStep is the first step of a job whose action is action.
func jobStep(job *yaml.Node, action string) *yaml.Node {
	for _, step := range yamlItems(yamlGet(job, "steps")) {
		if a, _, _ := strings.Cut(yamlString(yamlGet(step, "uses")), "@"); a == action {
			return step
		}
	}
	return nil
}

// stepInput is a step's input, "" when unset.
func stepInput(step *yaml.Node, input string) string {
	return yamlString(yamlGet(yamlGet(step, "with"), input))
}

// TestWorkflowsPreviewAndDeployEveryStack pins what the pull-request
// and deploy workflows promise: every stack previewed on pull requests
// with the read-only role and deployed from main with the deploy role,
// in its own region, the policy pack inside the engine, production
// before dr, one deployment at a time.
func TestWorkflowsPreviewAndDeployEveryStack(t *testing.T) {
	workflows := loadWorkflows(t)
	stacks := stackFiles(t)
	require.Equal(t, []string{"dr", "production"}, stacks, "the workflows name the stacks: update them with the stack files")
	pack := filepath.Join(projectDir, "policies", "pack", "PulumiPolicy.yaml")
	require.FileExists(t, pack, "policyPacks: policies/pack is the CrossGuard pack directory")

	pr := workflows["pr.yml"]
	require.Equal(t, []string{"pull_request"}, yamlKeys(yamlGet(pr.root, "on")), "pr.yml runs on pull_request only")
	prJobs := yamlGet(pr.root, "jobs")

	test := yamlGet(prJobs, "test")
	require.NotNil(t, test, "pr.yml has the test job")
	assert.Contains(t, jobRuns(test), "make test")

	check := yamlGet(prJobs, "check")
	require.NotNil(t, check, "pr.yml has the check job")
	assert.Equal(t, []string{"dr", "production"}, matrixStacks(yamlGet(yamlGet(check, "strategy"), "matrix")), "every stack is checked")
	assert.Contains(t, jobRuns(check), "check --stack \"$STACK\" --format sarif")
	assert.Equal(t, "write", yamlString(yamlGet(yamlGet(check, "permissions"), "security-events")))
	assert.NotNil(t, jobStep(check, "github/codeql-action/upload-sarif"), "the check job uploads its SARIF")

	manifests := yamlGet(prJobs, "manifests")
	require.NotNil(t, manifests, "pr.yml has the manifests job")
	assert.Contains(t, jobRuns(manifests), "deploy/*/overlays/*/")
	assert.Contains(t, jobRuns(manifests), "check --manifests \"$dir\"")

	costJob := yamlGet(prJobs, "cost")
	require.NotNil(t, costJob, "pr.yml has the cost job")
	assert.Equal(t, []string{"dr", "production"}, matrixStacks(yamlGet(yamlGet(costJob, "strategy"), "matrix")), "every stack's cost change is commented")
	assert.Contains(t, jobRuns(costJob), `cost diff --stack "$STACK" --base-ref "$BASE_SHA" --format markdown`)
	assert.Equal(t, "write", yamlString(yamlGet(yamlGet(costJob, "permissions"), "pull-requests")), "the cost job comments")
	assert.Nil(t, yamlGet(yamlGet(costJob, "permissions"), "id-token"), "pricing needs no cloud credentials")

	preview := yamlGet(prJobs, "preview")
	require.NotNil(t, preview, "pr.yml has the preview job")
	matrix := yamlGet(yamlGet(preview, "strategy"), "matrix")
	require.Equal(t, []string{"dr", "production"}, matrixStacks(matrix), "every stack is previewed")
	for _, entry := range yamlItems(yamlGet(matrix, "include")) {
		stack := yamlString(yamlGet(entry, "stack"))
		assert.Equal(t, stackFileRegion(t, stack), yamlString(yamlGet(entry, "region")), "preview of %s in its region", stack)
	}
	aws := jobStep(preview, "aws-actions/configure-aws-credentials")
	require.NotNil(t, aws)
	assert.Equal(t, "${{ vars.AWS_PREVIEW_ROLE_ARN }}", stepInput(aws, "role-to-assume"))
	assert.Equal(t, "${{ matrix.region }}", stepInput(aws, "aws-region"))
	pulumi := jobStep(preview, "pulumi/actions")
	require.NotNil(t, pulumi)
	assert.Equal(t, "preview", stepInput(pulumi, "command"))
	assert.Equal(t, "${{ matrix.stack }}", stepInput(pulumi, "stack-name"))
	assert.Equal(t, "policies/pack", stepInput(pulumi, "policyPacks"))
	assert.Equal(t, "true", stepInput(pulumi, "comment-on-pr"))
	assert.Equal(t, "${{ vars.PULUMI_BACKEND_URL }}", stepInput(pulumi, "cloud-url"))
	assert.Equal(t, "write", yamlString(yamlGet(yamlGet(preview, "permissions"), "pull-requests")))
	for _, job := range []string{"test", "check", "manifests"} {
		assert.Nil(t, yamlGet(yamlGet(yamlGet(prJobs, job), "permissions"), "pull-requests"), "only the preview comments on the pull request")
	}

	deploy := workflows["main.yml"]
	on := yamlGet(deploy.root, "on")
	require.Equal(t, []string{"push"}, yamlKeys(on), "main.yml runs on push only")
	assert.Equal(t, []string{"main"}, yamlScalars(yamlGet(yamlGet(on, "push"), "branches")))
	concurrency := yamlGet(deploy.root, "concurrency")
	assert.NotEmpty(t, yamlString(yamlGet(concurrency, "group")), "one deployment at a time")
	assert.NotContains(t, yamlString(yamlGet(concurrency, "group")), "${{", "one group for every run, not one per commit")
	assert.Equal(t, "false", yamlString(yamlGet(concurrency, "cancel-in-progress")), "a deployment is never cancelled halfway")
	deployJobs := yamlGet(deploy.root, "jobs")
	order := []string{"production", "dr"}
	for i, stack := range order {
		job := yamlGet(deployJobs, stack)
		require.NotNil(t, job, "main.yml deploys %s", stack)
		assert.Equal(t, stack, yamlString(yamlGet(job, "environment")), "%s deploys under its protected environment", stack)
		aws := jobStep(job, "aws-actions/configure-aws-credentials")
		require.NotNil(t, aws)
		assert.Equal(t, "${{ vars.AWS_DEPLOY_ROLE_ARN }}", stepInput(aws, "role-to-assume"))
		assert.Equal(t, stackFileRegion(t, stack), stepInput(aws, "aws-region"))
		pulumi := jobStep(job, "pulumi/actions")
		require.NotNil(t, pulumi)
		assert.Equal(t, "up", stepInput(pulumi, "command"))
		assert.Equal(t, stack, stepInput(pulumi, "stack-name"))
		assert.Equal(t, "policies/pack", stepInput(pulumi, "policyPacks"))
		assert.Contains(t, jobRuns(job), `check --state "$RUNNER_TEMP/state.json" --format compliance --out "$RUNNER_TEMP/compliance"`,
			"%s: the compliance report of the deployed state", stack)
		artifact := jobStep(job, "actions/upload-artifact")
		require.NotNil(t, artifact, "%s keeps its compliance report", stack)
		assert.Equal(t, "compliance-"+stack+"-${{ github.sha }}", stepInput(artifact, "name"))
		assert.Equal(t, "error", stepInput(artifact, "if-no-files-found"), "a run without its report fails")
		needs := yamlGet(job, "needs")
		if i == 0 {
			assert.Nil(t, needs, "%s goes first", stack)
		} else {
			assert.Contains(t, append(yamlScalars(needs), yamlString(needs)), order[i-1], "%s waits for %s", stack, order[i-1])
		}
	}

	security := workflows["security.yml"]
	assert.ElementsMatch(t, []string{"pull_request", "schedule"}, yamlKeys(yamlGet(security.root, "on")))
}

// yamlKeys are a mapping's keys.
func yamlKeys(n *yaml.Node) []string {
	var out []string
	for _, kv := range yamlPairs(n) {
		out = append(out, kv[0].Value)
	}
	return out
}

// yamlScalars are a sequence's scalar values.
func yamlScalars(n *yaml.Node) []string {
	var out []string
	for _, c := range yamlItems(n) {
		out = append(out, yamlString(c))
	}
	return out
}

// matrixStacks is the sorted stack list of a matrix (stack: [...] or
// include: [{stack: ...}]).
func matrixStacks(matrix *yaml.Node) []string {
	out := yamlScalars(yamlGet(matrix, "stack"))
	for _, entry := range yamlItems(yamlGet(matrix, "include")) {
		out = append(out, yamlString(yamlGet(entry, "stack")))
	}
	sort.Strings(out)
	return out
}

// jobRuns is every run: script of a job, joined.
func jobRuns(job *yaml.Node) string {
	var out []string
	for _, step := range yamlItems(yamlGet(job, "steps")) {
		out = append(out, yamlString(yamlGet(step, "run")))
	}
	return strings.Join(out, "\n")
}

// TestWorkflowsDependabotCoversEveryModule checks .github/dependabot.yml:
// every Go module of the repository and the workflows' actions are
// updated, grouped, after a cooldown.
func TestWorkflowsDependabotCoversEveryModule(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(projectDir, ".github", "dependabot.yml"))
	require.NoError(t, err)
	var cfg struct {
		Version int `yaml:"version"`
		Updates []struct {
			Ecosystem   string         `yaml:"package-ecosystem"`
			Directory   string         `yaml:"directory"`
			Directories []string       `yaml:"directories"`
			Schedule    map[string]any `yaml:"schedule"`
			Cooldown    map[string]int `yaml:"cooldown"`
			Groups      map[string]any `yaml:"groups"`
		} `yaml:"updates"`
	}
	require.NoError(t, yaml.Unmarshal(src, &cfg))
	require.Equal(t, 2, cfg.Version)
	covered := map[string][]string{} // ecosystem -> directory patterns
	for i, u := range cfg.Updates {
		dirs := u.Directories
		if u.Directory != "" {
			dirs = append(dirs, u.Directory)
		}
		assert.NotEmpty(t, dirs, "updates[%d] (%s) names its directories", i, u.Ecosystem)
		assert.NotEmpty(t, u.Schedule["interval"], "updates[%d] (%s) has a schedule", i, u.Ecosystem)
		assert.Positive(t, u.Cooldown["default-days"], "updates[%d] (%s) has a cooldown", i, u.Ecosystem)
		assert.NotEmpty(t, u.Groups, "updates[%d] (%s) groups its updates", i, u.Ecosystem)
		for k := range u.Cooldown {
			if strings.HasPrefix(k, "semver-") {
				assert.Equal(t, "gomod", u.Ecosystem, "updates[%d]: %s: Dependabot has SemVer cooldowns for gomod, not %s", i, k, u.Ecosystem)
			}
		}
		covered[u.Ecosystem] = append(covered[u.Ecosystem], dirs...)
	}
	assert.Contains(t, covered["github-actions"], "/")

	var modules []string
	root, err := filepath.Abs(projectDir)
	require.NoError(t, err)
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "bin" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.Name() == "go.mod" {
			rel, err := filepath.Rel(root, filepath.Dir(p))
			if err != nil {
				return err
			}
			modules = append(modules, path.Clean("/"+filepath.ToSlash(rel)))
		}
		return nil
	}))
	require.Contains(t, modules, "/")
	for _, m := range modules {
		ok := slices.ContainsFunc(covered["gomod"], func(pattern string) bool {
			match, err := path.Match(pattern, m)
			return err == nil && match
		})
		assert.True(t, ok, "the Go module in %s is not updated by Dependabot: add it to a gomod entry of .github/dependabot.yml", m)
	}
}

// TestWorkflowsActionlint runs actionlint (PLATFORM_ACTIONLINT, built by
// tools/actionlint.sh) over the workflows; it skips without one unless
// PLATFORM_E2E_REQUIRE is set, the way the real-engine tests do.
func TestWorkflowsActionlint(t *testing.T) {
	bin := os.Getenv("PLATFORM_ACTIONLINT")
	if bin == "" {
		msg := "PLATFORM_ACTIONLINT is not set; run `PLATFORM_ACTIONLINT=$(./tools/actionlint.sh) go test -run TestWorkflows ./tests`"
		if os.Getenv("PLATFORM_E2E_REQUIRE") != "" {
			t.Fatal(msg)
		}
		t.Skip("actionlint skipped: " + msg)
	}
	// Named from the repository root, where actionlint runs (it reads
	// .github/actionlint.yaml there when one exists).
	var files []string
	for _, pattern := range []string{"*.yml", "*.yaml"} {
		m, err := filepath.Glob(filepath.Join(projectDir, ".github", "workflows", pattern))
		require.NoError(t, err)
		for _, f := range m {
			rel, err := filepath.Rel(projectDir, f)
			require.NoError(t, err)
			files = append(files, rel)
		}
	}
	require.NotEmpty(t, files)
	cmd := exec.Command(bin, append([]string{"-no-color"}, files...)...)
	cmd.Dir = projectDir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "actionlint %s:\n%s", strings.Join(files, " "), out)
	t.Logf("actionlint: %d workflows clean", len(files))
}
