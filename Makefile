# The platform's everyday commands. `make test` is what CI (.ci/run) runs.
GO ?= go
# E2E_BIN holds the executables the real-engine run puts on PATH.
E2E_BIN := $(CURDIR)/bin/e2e

.PHONY: test unit fuzz e2e e2e-tools test-k8s test-rules test-workflows check-manifests lint plan plan-dr check check-dr golden bench bench-scale build

# FUZZTIME is how long each fuzz target runs in make fuzz (and make test).
FUZZTIME ?= 15s
FUZZ_TARGETS := FuzzReadPreview FuzzReadState FuzzPackConfig

## test: formatting, vet, the unit and whole-stack tests, the fuzzers, the real-engine run, the real API server, the real rule engine, the workflows
test: lint unit fuzz e2e test-k8s test-rules test-workflows

## unit: every test but the real-engine run (components, config, policies, whole stacks under mocks)
unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /tests/e2e)

## fuzz: each reader of outside documents (previews, state exports, pack configs) fuzzed for FUZZTIME
fuzz:
	@for target in $(FUZZ_TARGETS); do \
		echo "fuzz $$target for $(FUZZTIME)"; \
		$(GO) test ./policies -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s || exit 1; \
	done

## e2e-tools: the test-double providers (aws, kubernetes), the policy pack and the platform CLI
e2e-tools:
	@mkdir -p $(E2E_BIN)
	$(GO) build -o $(E2E_BIN)/pulumi-resource-aws ./internal/double/cmd/pulumi-resource-aws
	cp $(E2E_BIN)/pulumi-resource-aws $(E2E_BIN)/pulumi-resource-kubernetes
	$(GO) build -o $(E2E_BIN)/pulumi-analyzer-policy-go ./policies/pack
	$(GO) build -o $(E2E_BIN)/platform ./cmd/platform

## e2e: both stacks through the real Pulumi engine (preview, up, failover, the pack), no cloud
e2e: e2e-tools
	pulumi=$$(./tools/pulumi.sh) && PLATFORM_PULUMI=$$pulumi PLATFORM_E2E_BIN=$(E2E_BIN) PLATFORM_E2E_REQUIRE=1 \
		$(GO) test -count=1 -v -timeout 30m -run TestRealEngine ./tests/e2e

## test-k8s: every typed Kubernetes object of both stacks applied to a real kube-apiserver and etcd, admission exercised
test-k8s:
	@command -v etcd >/dev/null || { \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			echo "installing etcd (Debian etcd-server) for the API server"; \
			apt-get update -qq && apt-get install -y -qq etcd-server >/dev/null; \
		else echo "test-k8s needs etcd: apt-get install etcd-server"; exit 1; fi; }
	kas=$$(./tools/kube-apiserver.sh) && PLATFORM_KUBE_APISERVER=$$kas PLATFORM_E2E_REQUIRE=1 \
		$(GO) test -count=1 -v -timeout 15m -run TestAPIServer ./tests/e2e

## test-rules: every generated Prometheus rule checked and unit-tested (SLO scenarios, platform alerts) by the real promtool; the alerts' precision, recall and time to detect over labelled scenarios replayed by Prometheus's rule engine (fails below 90%); the Alertmanager config checked and routed by the real amtool; every dashboard query parsed; every Loki ruler alert parsed by Loki's own LogQL parser (tools/logql); the SNS-to-PagerDuty forwarder's and the OpenSearch configurator's tests (python3)
test-rules:
	promtool=$$(./tools/promtool.sh) && replay=$$(./tools/promtool.sh replay) && amtool=$$(./tools/amtool.sh) && logql=$$(./tools/logql.sh) && \
		PLATFORM_PROMTOOL=$$promtool PLATFORM_REPLAY=$$replay PLATFORM_AMTOOL=$$amtool PLATFORM_LOGQL=$$logql PLATFORM_RULES_REQUIRE=1 \
		$(GO) test -count=1 -v -timeout 30m -run 'TestPromtool|TestAlertPrecision|TestAmtool|TestQueriesParse|TestForwarder|TestLogQL|TestConfigurator$$' \
		./internal/promrules ./components/monitoring ./internal/dashboards ./components/paging ./components/logging ./components/search

## test-workflows: the workflows and Dependabot config against control 84 (SHA pins, per-job permissions, OIDC), and actionlint over them
test-workflows:
	actionlint=$$(./tools/actionlint.sh) && PLATFORM_ACTIONLINT=$$actionlint PLATFORM_E2E_REQUIRE=1 \
		$(GO) test -count=1 -v -run 'TestWorkflows' ./tests

## check-manifests: the pack's Kubernetes policies over every release overlay Argo CD syncs (deploy/*/overlays/*)
check-manifests:
	@for dir in deploy/*/overlays/*/; do \
		echo "platform check --manifests $$dir"; \
		$(GO) run ./cmd/platform check --manifests "$$dir" || exit 1; \
	done

## lint: gofmt and go vet
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

## plan: plan the production stack offline (no credentials, no Pulumi CLI)
plan:
	$(GO) run ./cmd/platform plan --stack production

## plan-dr: plan the dr stack offline (plans production too, for its StackReference)
plan-dr:
	$(GO) run ./cmd/platform plan --stack dr

## check: plan the production stack offline and run the policy pack over it
check:
	$(GO) run ./cmd/platform check --stack production

## check-dr: the same for the dr stack
check-dr:
	$(GO) run ./cmd/platform check --stack dr

## golden: rewrite the golden inventories (tests/testdata) and dashboards (internal/dashboards/testdata) after a reviewed change
golden:
	$(GO) test ./tests -run TestGoldenInventories -update
	$(GO) test ./internal/dashboards -run TestGolden -update

## bench: the plan benchmark
bench:
	$(GO) test ./tests -run '^$$' -bench 'BenchmarkPlanProduction|BenchmarkCheckProduction' -benchmem

## bench-scale: the pack over generated previews of 1k, 10k and 100k resources
bench-scale:
	$(GO) test ./policies -run '^$$' -bench BenchmarkCheckScale -benchmem -benchtime 3x

## build: the offline planner as bin/platform
build:
	$(GO) build -o bin/platform ./cmd/platform
