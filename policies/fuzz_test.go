package policies

import (
	"strings"
	"testing"
)

// The readers take documents from outside (a CI artifact, a pull request):
// whatever the bytes, no panic, and every error names the document. What
// they read is also evaluated, so a policy cannot panic on a shape the
// readers let through. Seeded with the fixtures; make fuzz runs each for
// a short fixed time.

func FuzzReadPreview(f *testing.F) {
	for _, name := range []string{"preview.json", "preview-update.json", "preview-failed.json"} {
		f.Add(readFixture(f, name))
	}
	f.Add(synthPreview(22)) // one group of every kind
	cfg := scaleConfig(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ReadPreview("fuzzed.json", b)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzzed.json: ") {
				t.Fatalf("the error does not name the document: %v", err)
			}
			return
		}
		report := Evaluate(p.Resources, Options{Config: cfg, Now: day, PreviewErrors: p.Errors})
		if len(p.Errors) > 0 && !report.Blocks() {
			t.Fatal("a failed preview passed")
		}
	})
}

func FuzzReadState(f *testing.F) {
	f.Add(readFixture(f, "state.json"))
	f.Add([]byte(`{"deployment": {"resources": [{"urn": "urn:pulumi:s::p::aws:s3/bucketV2:BucketV2::b", "type": "aws:s3/bucketV2:BucketV2", "custom": true, "inputs": {"bucket": "b"}, "outputs": {"arn": "arn:aws:s3:::b"}}]}}`))
	cfg := scaleConfig(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := ReadState("fuzzed-state.json", b)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzzed-state.json: ") {
				t.Fatalf("the error does not name the document: %v", err)
			}
			return
		}
		Evaluate(rs, Options{Config: cfg, Now: day})
	})
}

func FuzzPackConfig(f *testing.F) {
	f.Add(packYAML)
	f.Add([]byte("params:\n  asOf: \"2026-11-23\"\nstacks:\n  platform/dr:\n    minBackupRetentionDays: 14\n"))
	f.Add([]byte("waivers:\n  - policy: kms-key-rotation\n    resources: [\"*\"]\n    reason: r\n    approvedBy: a\n    expires: \"2026-01-01\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfig(b, "fuzzed-pack.yaml")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzzed-pack.yaml: ") {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		Evaluate(unrotated(), Options{Config: c, Project: "platform", Stack: "production", Now: day})
	})
}
