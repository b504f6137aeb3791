# Sluice build and test targets. `make test` is what CI runs.
GO      ?= go
BIN     ?= bin/sluice
VERSION ?= 0.1.0
LDFLAGS := -X github.com/sluicedb/sluice/standalone.Version=$(VERSION)

IMAGE   ?= sluice
DOCKER  ?= docker

.PHONY: build test test-e2e test-deploy image bench fuzz check staticcheck run quickstart proto

build:
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/sluice

# The whole suite, race detector on: unit, fuzz seed corpora, and the
# end-to-end tests that start real `sluice` processes on loopback. No test
# cache: the end-to-end tests build the binary themselves, which the cache
# cannot see.
test:
	$(GO) test -race -count=1 -timeout 25m ./...

test-e2e:
	$(GO) test -race -timeout 20m -count=1 ./test/e2e/...

# The container image (deploy/docker/Dockerfile), tagged $(IMAGE):latest and
# $(IMAGE):$(VERSION): a static binary and the empty /data directory are
# staged in bin/image/, the only part of the tree the build context sends
# (.dockerignore). The classic builder (DOCKER_BUILDKIT=0) needs no buildx
# plugin and no base image.
image:
	rm -rf bin/image && mkdir -p bin/image/data
	CGO_ENABLED=0 GOOS=linux $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/image/sluice ./cmd/sluice
	DOCKER_BUILDKIT=0 $(DOCKER) build -f deploy/docker/Dockerfile -t $(IMAGE):latest -t $(IMAGE):$(VERSION) .

# The deployment tests alone (test/deploy, also part of `make test`): the
# compose files, the image and a compose cluster, Prometheus with the
# repository's rules against a live cluster, the Grafana dashboards.
test-deploy:
	$(GO) test -race -count=1 -timeout 15m ./test/deploy/...

bench: build
	$(GO) test -run '^$$' -bench . -benchtime 3x ./storage/... ./query/...
	$(BIN) bench

# Each fuzz target for FUZZTIME; their seed corpora also run in `make test`.
FUZZTIME ?= 15s
FUZZ_TARGETS := \
	sql/parser:FuzzParse model:FuzzParsePath cli:FuzzSplitStatements \
	config:FuzzParseProperties datanode/clientrpc:FuzzDecodeRecord \
	datanode/clientrpc:FuzzDecodeTablet datanode/clientrpc:FuzzRequest \
	datanode/region:FuzzDecodeCommand pipe/plugin:FuzzParse \
	pipe/sink:FuzzParseAttributes pipe/transfer:FuzzDecodeHandshake \
	pipe/transfer:FuzzDecodeTablets pipe/transfer:FuzzDecodeCompressed \
	storage/encoding:FuzzDecodeChunk \
	storage/encoding:FuzzDecodeTimes storage/encoding:FuzzDecodeFloat64s \
	pipe/airgap:FuzzReadFrame

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "fuzz $$fn in ./$$pkg"; \
		$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) ./$$pkg || exit 1; \
	done

# gofmt, go vet and staticcheck (STATICCHECK_VERSION, installed by .ci/run
# through the module proxy: `go install honnef.co/go/tools/cmd/staticcheck@...`).
# proto/pipethrift is the Thrift compiler's output, not ours to restyle.
STATICCHECK ?= $(or $(shell $(GO) env GOBIN),$(shell $(GO) env GOPATH)/bin)/staticcheck
STATICCHECK_VERSION ?= v0.8.2
check:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	$(GO) vet ./...
	$(STATICCHECK) $$($(GO) list ./... | grep -v /proto/pipethrift)

# Installs the staticcheck that `make check` runs.
staticcheck:
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

run: build
	$(BIN) standalone

# Regenerates proto/pipethrift from proto/pipe.thrift with the Thrift
# compiler (0.17 or later; `apt-get install thrift-compiler`), and
# proto/clusterpb from proto/cluster.proto with protoc (`apt-get install
# protobuf-compiler`) and its Go plugins (installed here at the versions
# go.mod pins). Hand-written files there (doc.go, *_test.go) are kept. See
# proto/README.md.
THRIFT ?= thrift
PROTOC ?= protoc
PROTOC_GEN_GO_GRPC ?= v1.6.2
proto:
	$(GO) install google.golang.org/protobuf/cmd/protoc-gen-go
	$(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC)
	PATH="$$($(GO) env GOPATH)/bin:$$PATH" $(PROTOC) -I proto --go_out=. --go_opt=module=github.com/sluicedb/sluice \
		--go-grpc_out=. --go-grpc_opt=module=github.com/sluicedb/sluice proto/cluster.proto
	rm -rf proto/.gen && mkdir -p proto/.gen
	$(THRIFT) --gen go:package_prefix=github.com/sluicedb/sluice/proto/,skip_remote -out proto/.gen proto/pipe.thrift
	gofmt -w proto/.gen/pipethrift
	rm -f proto/pipethrift/pipe.go proto/pipethrift/pipe-consts.go proto/pipethrift/GoUnusedProtection__.go
	cp proto/.gen/pipethrift/*.go proto/pipethrift/
	rm -rf proto/.gen
	$(GO) build ./proto/...

quickstart: build
	$(BIN) quickstart
