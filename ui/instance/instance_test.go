package instance

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSecondClaimShowsFirst(t *testing.T) {
	dir := t.TempDir()
	first, err := Claim(dir)
	if err != nil {
		t.Fatalf("first claim: %v", err)
	}
	defer first.Close()
	shown := make(chan struct{}, 2)
	first.OnShow(func() { shown <- struct{}{} })

	if _, err := Claim(dir); !errors.Is(err, ErrRunning) {
		t.Fatalf("second claim: %v, want ErrRunning", err)
	}
	select {
	case <-shown:
	case <-time.After(5 * time.Second):
		t.Fatal("the first instance was not asked to show itself")
	}
}

func TestShowBeforeOnShowIsDelivered(t *testing.T) {
	dir := t.TempDir()
	first, err := Claim(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if _, err := Claim(dir); !errors.Is(err, ErrRunning) {
		t.Fatalf("second claim: %v, want ErrRunning", err)
	}
	shown := make(chan struct{}, 1)
	first.OnShow(func() { shown <- struct{}{} })
	select {
	case <-shown:
	default:
		t.Fatal("a request made before OnShow was lost")
	}
}

func TestStaleSocketIsReplaced(t *testing.T) {
	dir := t.TempDir()
	path := SocketPath(dir)
	// A crashed instance leaves the socket file behind with nobody listening.
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("stale socket not left behind: %v", err)
	}
	in, err := Claim(dir)
	if err != nil {
		t.Fatalf("claim over a stale socket: %v", err)
	}
	if err := in.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket still there after Close: %v", err)
	}
	again, err := Claim(dir)
	if err != nil {
		t.Fatalf("claim after close: %v", err)
	}
	again.Close()
}

func TestLongFolderUsesTempSocket(t *testing.T) {
	long := filepath.Join(t.TempDir(), strings.Repeat("d", 120))
	p := SocketPath(long)
	if len(p) > maxSocketPath || !strings.HasPrefix(p, os.TempDir()) {
		t.Fatalf("SocketPath(long) = %s", p)
	}
	if SocketPath(long) != p {
		t.Fatal("SocketPath is not stable")
	}
	in, err := Claim(long)
	if err != nil {
		t.Fatal(err)
	}
	in.Close()
}
