# CamsDesk. On a fresh Debian or Ubuntu machine with Go installed:
#   make run    installs the missing build packages, then starts the desktop app
#   make test   installs what the tests need, runs the tests, go vet, and builds every command into bin/
# Packages are installed with apt-get when it can (as root, or through sudo); elsewhere see README.md.

SHELL := /bin/bash

# Go from go.dev/dl lives in /usr/local/go/bin, which is not always on PATH.
export PATH := $(PATH):/usr/local/go/bin
GO ?= go

MODULE      := github.com/camsdesk/camsdesk
APP_VERSION := $(shell sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
VERSION     ?= $(shell git describe --tags --dirty 2>/dev/null || echo $(APP_VERSION)-dev)
COMMIT      ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)
LDFLAGS     := -X $(MODULE)/internal/version.Version=$(VERSION) -X $(MODULE)/internal/version.Commit=$(COMMIT)

CMDS      := $(notdir $(patsubst %/,%,$(wildcard cmd/*/)))
PURE_CMDS := $(filter camsd camssim,$(CMDS)) # built again with CGO_ENABLED=0 to prove they need no C compiler
# The desktop app's own tests need fyne's software driver.
TEST_TAGS := $(if $(wildcard cmd/camsdesk/*_test.go),-tags ci)

# Debian packages: a C compiler and the OpenGL and X11 headers that Fyne's GLFW driver builds against (the part
# of xorg-dev it uses); the tests also get Xvfb, for screenshots of real windows.
BUILD_DEBS := gcc libc6-dev pkg-config libgl1-mesa-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
TEST_DEBS  := $(BUILD_DEBS) xvfb
# How long make test fuzzes the callback body parser (seeded from the spec's samples).
FUZZTIME   ?= 15s

.PHONY: all run test build deps test-deps go-check clean

all: build

run: deps
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/camsdesk $(ARGS)

# The store and receiver tests run on SQLite and on PostgreSQL: scripts/pgtest.sh runs a throw-away server
# around go test and a short scripts/pg-restart-load.sh (or set CAMS_TEST_POSTGRES to a server of your own,
# which is never restarted). Where PostgreSQL cannot be installed they run on SQLite alone, after a loud warning.
test: test-deps
	@set -e; \
	if [ -z "$${CAMS_TEST_POSTGRES:-}" ]; then \
	  trap 'bash scripts/pgtest.sh stop' EXIT; \
	  pg=$$(bash scripts/pgtest.sh start); \
	  eval "$$pg"; \
	fi; \
	echo "$(strip $(GO) test -race $(TEST_TAGS)) ./..."; \
	$(strip $(GO) test -race $(TEST_TAGS)) ./...; \
	[ -n "$${CAMS_TEST_POSTGRES:-}" ] || echo "WARNING: PostgreSQL tests SKIPPED (the reason is above): SQLite only" >&2; \
	if [ -n "$${pg:-}" ]; then \
	  echo "PostgreSQL stopped and started again under load: nothing acknowledged may be lost"; \
	  bash scripts/pg-restart-load.sh --devices 20 --duration 8 --outage-at 3 --outage 2; \
	fi
	$(GO) vet ./...
	$(GO) test -run '^$$' -fuzz '^FuzzPrepare$$' -fuzztime $(FUZZTIME) ./receiver
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/ $(addprefix ./cmd/,$(CMDS))
	CGO_ENABLED=0 $(GO) build $(addprefix ./cmd/,$(PURE_CMDS))
	$(MAKE) --no-print-directory test-packaging

build: deps
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/ $(addprefix ./cmd/,$(CMDS))

deps: go-check
	$(call apt_install,$(BUILD_DEBS))

test-deps: go-check
	$(call apt_install,$(TEST_DEBS))

go-check:
	@command -v $(GO) >/dev/null 2>&1 || { \
	  echo "Go 1.26 or newer is needed: install it from https://go.dev/dl/ into /usr/local/go, then run make again."; \
	  exit 1; }

clean:
	rm -rf bin dist

# apt_install installs the packages of $(1) that dpkg does not list as installed: apt-get update once, then
# apt-get install, as root or through sudo. Without dpkg it only reminds what is needed.
define apt_install
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
	  echo "deps: not Debian or Ubuntu: make sure a C compiler and the OpenGL and X11 development files are installed (README.md)"; \
	  exit 0; \
	fi; \
	missing=""; \
	for p in $(1); do \
	  dpkg-query -W -f='$${db:Status-Abbrev}' "$$p" 2>/dev/null | grep -q '^ii' || missing="$$missing $$p"; \
	done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	else \
	  echo "deps: missing Debian packages:$$missing"; \
	  echo "deps: as root, run: apt-get update && apt-get install -y$$missing"; \
	  exit 1; \
	fi; \
	echo "deps: installing$$missing"; \
	$$sudo apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$$missing
endef

# Release packages (packaging/dist.sh, docs/install.md). make dist: camsd for every system, the desktop app for
# Linux (tarball, .deb) and Windows (.exe, NSIS installer), the camsd .debs and SHA256SUMS into dist/, then the
# .debs' install test. DIST_TARGETS picks parts: camsd linux windows macos checksums test.
DIST_DEBS := $(BUILD_DEBS) binutils xz-utils gcc-mingw-w64-x86-64 nsis desktop-file-utils appstream libxml2-utils systemd

.PHONY: dist test-packaging

dist: go-check
	$(call apt_install,$(DIST_DEBS))
	VERSION="$(VERSION)" COMMIT="$(COMMIT)" packaging/dist.sh $(DIST_TARGETS)

# Quick packaging checks (about 20 s): version numbers, and the .debs of a camsd build installed into a temporary root.
test-packaging: go-check
	$(call apt_install,binutils desktop-file-utils appstream libxml2-utils systemd)
	packaging/test-version.sh
	packaging/test-deb.sh

# Screenshots of every desktop screen into docs/screenshots/: the real app under Xvfb against camssim.
.PHONY: screenshots

screenshots: go-check
	$(call apt_install,$(BUILD_DEBS) xvfb xdotool imagemagick curl)
	scripts/screenshots.sh
