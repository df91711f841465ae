# The platform's everyday commands. `make test` is what CI (.ci/run) runs.
GO ?= go

.PHONY: test lint plan plan-dr check check-dr golden bench build

## test: formatting, vet, and every test (components, config, whole stacks)
test: lint
	$(GO) test -count=1 ./...

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

## golden: rewrite tests/testdata/*.golden.json after a reviewed inventory change
golden:
	$(GO) test ./tests -run TestGoldenInventories -update

## bench: the plan benchmark
bench:
	$(GO) test ./tests -run '^$$' -bench 'BenchmarkPlanProduction|BenchmarkCheckProduction' -benchmem

## build: the offline planner as bin/platform
build:
	$(GO) build -o bin/platform ./cmd/platform
