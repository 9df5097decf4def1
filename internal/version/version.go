// Package version holds the build's version and commit, stamped by the Makefile:
//
//	go build -ldflags "-X github.com/camsdesk/camsdesk/internal/version.Version=0.1.0 \
//	  -X github.com/camsdesk/camsdesk/internal/version.Commit=abc1234" ./cmd/...
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is the release, e.g. "0.1.0"; a build without -ldflags says "0.1.0-dev".
var Version = "0.1.0-dev"

// Commit is the source revision; empty when not stamped (then the Go build info is asked).
var Commit = ""

// Revision is Commit, else the VCS revision Go recorded in the binary, else "unknown".
func Revision() string {
	if Commit != "" {
		return Commit
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		var rev, dirty string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "-dirty"
				}
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			return rev + dirty
		}
	}
	return "unknown"
}

// GoVersion is the toolchain and platform the binary was built for, e.g. "go1.26.8 linux/amd64".
func GoVersion() string {
	return fmt.Sprintf("%s %s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
