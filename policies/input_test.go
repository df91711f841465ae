package policies

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return b
}

func findingsOf(r *Report) map[string][]string {
	out := map[string][]string{}
	for _, f := range r.Violations {
		out[f.Policy] = append(out[f.Policy], f.Name)
	}
	return out
}

// TestUpdatePreview reads a plain update preview, in the shape the CLI
// prints it: only what changes is listed.
func TestUpdatePreview(t *testing.T) {
	p, err := ReadPreview("preview-update.json", readFixture(t, "preview-update.json"))
	require.NoError(t, err)
	require.Empty(t, p.Errors)
	var names []string
	for _, r := range p.Resources {
		names = append(names, r.Type+" "+r.Name)
	}
	assert.Equal(t, []string{
		"aws:s3/bucketVersioningV2:BucketVersioningV2 assets",
		"aws:kms/key:Key data",
		"eks:index:Cluster apps",
		"aws:sqs/queue:Queue jobs",
	}, names, "the deleted bucket is gone; the replaced key appears once")
	key := p.Resources[1]
	assert.Equal(t, true, key.Inputs["multiRegion"], "a replacement is judged on its new state")

	report := Evaluate(p.Resources, Options{Config: config(t, baselineElsewhere()), Stack: "staging", Now: day})
	found := findingsOf(report)
	assert.Equal(t, []string{"assets"}, found["s3-versioning"], "the suspended versioning is judged on its own, though its bucket is unchanged and absent")
	for policy, names := range found {
		assert.NotContains(t, names, "legacy", "%s: a resource being deleted is never reported", policy)
	}
	assert.NotContains(t, found, "kms-key-rotation", "the old key's missing rotation is the old state's")
	var undecided []string
	for _, u := range report.Undecided {
		if u.Name == "apps" {
			undecided = append(undecided, u.Policy)
			assert.Contains(t, u.Message, "its plugin constructs it")
		}
	}
	assert.Contains(t, undecided, "eks-secrets-encryption", "a component without recorded inputs is undecided")
	assert.NotContains(t, found, "eks-private-endpoint", "and never a violation")
}

// TestFailedPreview: a preview that failed never passes, whatever its
// partial steps contain.
func TestFailedPreview(t *testing.T) {
	p, err := ReadPreview("preview-failed.json", readFixture(t, "preview-failed.json"))
	require.NoError(t, err)
	require.Len(t, p.Resources, 1)
	assert.Equal(t, []string{
		"an unhandled error occurred: program failed:\nwaiting for RPCs: unable to find the stack output databaseArn",
		"preview failed",
	}, p.Errors)
	report := Evaluate(p.Resources, Options{Config: config(t, baselineElsewhere()), Stack: "staging", Now: day, PreviewErrors: p.Errors})
	assert.Zero(t, report.Summary.Mandatory, "the partial steps pass")
	assert.Equal(t, 2, report.Summary.PreviewErrors)
	assert.True(t, report.Blocks(), "a failed preview blocks the deployment")
}

// TestReaderErrorsNameThePlace: a malformed document's error names the
// file and where in it the problem is.
func TestReaderErrorsNameThePlace(t *testing.T) {
	_, err := ReadPreview("pr-123.json", []byte("{\n  \"steps\": [\n    {\"op\": 3}\n  ]\n}"))
	require.ErrorIs(t, err, ErrInput)
	assert.Contains(t, err.Error(), "pr-123.json: ")
	assert.Contains(t, err.Error(), "line 3, column")
	assert.Contains(t, err.Error(), "steps.op must be string, got number")

	_, err = ReadPreview("pr-123.json", []byte("{\"steps\": [}"))
	assert.ErrorContains(t, err, "pr-123.json: not the JSON `pulumi preview --json` prints: line 1, column 12")
	_, err = ReadState("export.json", []byte("{\"deployment\": {\"resources\": [{\"type\": \"aws:s3/bucketV2:BucketV2\"}]}}"))
	assert.ErrorContains(t, err, "export.json: deployment.resources[0] has no urn")
}

// TestPlainUpdatePreviewIsPartial: without --show-sames the CLI lists only
// what changes. A bucket whose tags change appears without its unchanged
// public access block, and a stack holding the account's trail shows no
// trail: absence decides nothing there; present evidence still does.
func TestPlainUpdatePreviewIsPartial(t *testing.T) {
	doc := []byte(`{"steps": [
	  {"op": "update", "urn": "urn:pulumi:production::platform::aws:s3/bucketV2:BucketV2::data",
	   "newState": {"urn": "urn:pulumi:production::platform::aws:s3/bucketV2:BucketV2::data", "type": "aws:s3/bucketV2:BucketV2", "custom": true,
	                "id": "platform-data", "inputs": {"bucket": "platform-data", "tags": {"owner": "payments"}}}},
	  {"op": "update", "urn": "urn:pulumi:production::platform::aws:kms/key:Key::data",
	   "newState": {"urn": "urn:pulumi:production::platform::aws:kms/key:Key::data", "type": "aws:kms/key:Key", "custom": true,
	                "id": "k", "inputs": {"enableKeyRotation": false, "deletionWindowInDays": 30}}}
	], "changeSummary": {"update": 2, "same": 273}}`)
	p, err := ReadPreview("plain.json", doc)
	require.NoError(t, err)
	assert.True(t, p.Partial)
	c, err := PlatformConfig()
	require.NoError(t, err)
	report := Evaluate(p.Resources, Options{Config: c, Stack: "production", Now: day, Partial: p.Partial})
	found := findingsOf(report)
	assert.Equal(t, map[string][]string{"kms-key-rotation": {"data"}}, found, "only what the preview shows is judged: the key's rotation was turned off")
	undecided := map[string]bool{}
	for _, u := range report.Undecided {
		undecided[u.Policy] = true
	}
	assert.True(t, undecided["s3-public-access-block"], "the unchanged block is not in the preview")
	assert.True(t, undecided["cloudtrail-multi-region"], "nor is the unchanged trail")
	assert.Contains(t, report.Notes[len(report.Notes)-1], "--show-sames")

	full, err := ReadPreview("update.json", readFixture(t, "preview-update.json"))
	require.NoError(t, err)
	assert.False(t, full.Partial, "a preview with --show-sames lists every resource")
}
