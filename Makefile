# gridgov: `make run` builds everything and starts a demo; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := run

GO      ?= go
BIN     := bin/gridgov
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
ADDR    ?= :8080
DATA    ?= ./data
DEMO    ?= daqing

WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/worker/index.html web/resident/index.html web/package.json web/vite.config.ts web/tsconfig.json

.PHONY: run build web-deps web test test-go test-web test-e2e bench deps vet clean

## run: build the console and the binary, load the demo city, serve on http://localhost:8080
# The console opens as soon as the map is in; the person and house registry
# (2.147M persons and 1.33M houses for daqing) then loads beside the server
# through the ordinary import, showing its progress. Stopping early is
# harmless: the next run resumes the load where it stopped.
run: build
	@mkdir -p $(DATA)
	@echo "==> [3/3] 演示城市 / demo city: map, departments"
	@./$(BIN) demo --data-dir $(DATA) --preset $(DEMO) --registry=false --log-level warn
	@echo "==> gridgov on http://localhost$(ADDR)  (Ctrl-C 停止 / to stop); 人口房屋、事件、网格员队伍 / the registry, events and workforce load meanwhile"
	@trap 'kill 0' INT TERM; \
	  ./$(BIN) demo --data-dir $(DATA) --preset $(DEMO) --log-level warn & \
	  ./$(BIN) serve --data-dir $(DATA) --addr $(ADDR)

build: web $(BIN)

web/node_modules/.package-lock.json: web/package-lock.json web/package.json
	@echo "==> [1/3] 安装前端依赖 / installing web dependencies (npm ci)"
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web-deps: web/node_modules/.package-lock.json

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	@echo "==> [1/3] 构建前端 / building the web console"
	cd web && npm run build

web: web/dist/index.html

# Always handed to go build, whose own cache makes unchanged builds instant.
$(BIN): web/dist/index.html FORCE
	@echo "==> [2/3] 编译 / building $(BIN)"
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/gridgov

FORCE:

## deps: install what the tests need (PostgreSQL, Chromium) when missing
deps:
	@scripts/install-test-deps.sh

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

## test: vet, Go tests on SQLite and a throwaway PostgreSQL, web unit tests, browser tests
test: deps vet web-deps test-go test-web test-e2e

test-go:
	scripts/with-postgres.sh $(GO) test -count=1 -race -timeout 30m ./...

test-web: web-deps
	cd web && npm test

test-e2e: build
	cd web && GRIDGOV_BIN=$(CURDIR)/$(BIN) npm run e2e

## bench: machine anchors, every benchmark on one core (PostGIS beside the index), demo load times; results belong in docs/BENCHMARKS.md
bench:
	GO="$(GO)" scripts/bench.sh

clean:
	rm -rf bin web/dist/assets web/dist/index.html
