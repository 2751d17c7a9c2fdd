# TinoMail Monitor. Two commands matter: `make run` and `make test`.
GO       ?= go
BIN      ?= bin/tinomail
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/tinomail/tinomail/internal/cli.Version=$(VERSION)
STATICCHECK_VERSION := v0.8.2
# Fuzz budgets are execution counts, not durations: with a duration, Go 1.26's
# fuzz coordinator can fail a clean run with "context deadline exceeded" at the
# deadline (golang/go#75804, fixed in Go 1.27). Each target takes a few seconds
# here; FUZZMULT=20 fuzzes twenty times longer.
FUZZMULT ?= 1

.PHONY: run build test test-plugins vet lint fuzz bench soak clean web web-test

## run: start the whole system on embedded defaults with demo traffic (http://127.0.0.1:8080)
run:
	$(GO) run ./cmd/tinomail serve --demo

## build: the single binary, in bin/
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/tinomail

## test: formatting, vet, staticcheck, all tests, and a short fuzz run
test: vet lint test-plugins
	$(GO) test -count=1 -timeout 20m ./...
	$(MAKE) fuzz
	$(MAKE) web-test

## test-plugins: the ZoneMTA and Haraka plugins (Node's test runner) against a real tinomail serve
test-plugins:
	@[ -d integrations/node_modules ] || (cd integrations && npm ci --no-audit --no-fund)
	cd integrations && node --test

vet:
	@unformatted=$$(gofmt -l cmd internal e2e web/embed.go); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

lint:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecodeBody -fuzztime $$((300000*$(FUZZMULT)))x ./internal/event
	$(GO) test -run '^$$' -fuzz FuzzDecodeEntry -fuzztime $$((60000*$(FUZZMULT)))x ./internal/zonemta
	$(GO) test -run '^$$' -fuzz FuzzTemplate -fuzztime $$((200000*$(FUZZMULT)))x ./internal/classify
	$(GO) test -run '^$$' -fuzz FuzzResolveClient -fuzztime $$((60000*$(FUZZMULT)))x ./internal/auth
	$(GO) test -run '^$$' -fuzz FuzzQueryParams -fuzztime $$((8000*$(FUZZMULT)))x ./internal/query

## web: build the dashboard into web/dist (committed, embedded in the binary)
web: web/node_modules
	cd web && npm run build

web/node_modules: web/package-lock.json
	cd web && npm ci
	@touch web/node_modules

## web-test: dashboard unit tests (Vitest) and browser tests (Debian's chromium) against the built binary
web-test: web/node_modules build
	cd web && npm test
	cd web && TINOMAIL_BIN=$(BIN) npm run e2e

## bench: the benchmark suite (~20 min); writes its tables into docs/benchmarks.md between the bench markers
## (BENCHFLAGS="--bench-runs 2 --bench-query-sizes 100000" for a shorter run; see go run ./cmd/benchreport -h)
bench:
	$(GO) run ./cmd/benchreport $(BENCHFLAGS)

## soak: SOAK_RATE events/s for SOAK_DURATION with queries and live clients; flat memory, bounded lag, exact count
SOAK_DURATION ?= 30m
SOAK_RATE ?= 20000
soak:
	TINOMAIL_SOAK_DURATION=$(SOAK_DURATION) TINOMAIL_SOAK_RATE=$(SOAK_RATE) $(GO) test -tags soak -run '^TestSoak$$' -count=1 -timeout 0 -v ./e2e/

clean:
	rm -rf bin
