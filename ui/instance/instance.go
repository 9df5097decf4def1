// Package instance keeps one copy of the desktop app running per data folder: a second launch asks the
// running one to show its window and then exits.
package instance

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// ErrRunning is returned by Claim when another instance holds the folder; it has been asked to show itself.
var ErrRunning = errors.New("CamsDesk is already running for this data folder; its window was brought forward")

const (
	socketName  = "camsdesk.sock"
	showCommand = "show"
	answer      = "ok"
	dialTimeout = 2 * time.Second
	// maxSocketPath keeps under the 104–108 bytes an AF_UNIX address may hold.
	maxSocketPath = 100
)

// Instance is the claim of this process; Close gives it up.
type Instance struct {
	ln   net.Listener
	path string

	mu      sync.Mutex
	onShow  func()
	pending bool
	done    chan struct{}
}

// SocketPath is where the instance for dir listens: inside dir, or in the temp folder when that path is too
// long for a socket address.
func SocketPath(dir string) string {
	p := filepath.Join(dir, socketName)
	if len(p) <= maxSocketPath {
		return p
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(os.TempDir(), "camsdesk-"+hex.EncodeToString(sum[:8])+".sock")
}

// Claim makes this process the instance for dir. When another live instance holds dir, Claim asks it to show
// its window and returns ErrRunning. A socket left by a crashed instance is replaced.
func Claim(dir string) (*Instance, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("instance: %w", err)
	}
	path := SocketPath(dir)
	if err := askToShow(path); err == nil {
		return nil, ErrRunning
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		// Nobody answered: the socket file is stale.
		if rmErr := os.Remove(path); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
			return nil, fmt.Errorf("instance: remove stale %s: %w", path, rmErr)
		}
		if ln, err = net.Listen("unix", path); err != nil {
			return nil, fmt.Errorf("instance: listen on %s: %w", path, err)
		}
	}
	in := &Instance{ln: ln, path: path, done: make(chan struct{})}
	go in.serve()
	return in, nil
}

// OnShow sets what to do when another launch asks this instance to show itself. fn runs on a background
// goroutine. A request that came before OnShow was set is delivered now.
func (in *Instance) OnShow(fn func()) {
	in.mu.Lock()
	in.onShow = fn
	pending := in.pending
	in.pending = false
	in.mu.Unlock()
	if pending && fn != nil {
		fn()
	}
}

// Close stops listening and removes the socket.
func (in *Instance) Close() error {
	err := in.ln.Close()
	<-in.done
	if rmErr := os.Remove(in.path); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
		err = errors.Join(err, rmErr)
	}
	if err != nil {
		return fmt.Errorf("instance: close: %w", err)
	}
	return nil
}

func (in *Instance) serve() {
	defer close(in.done)
	for {
		conn, err := in.ln.Accept()
		if err != nil {
			return
		}
		in.handle(conn)
	}
}

func (in *Instance) handle(conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(dialTimeout))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != showCommand {
		return
	}
	in.mu.Lock()
	fn := in.onShow
	if fn == nil {
		in.pending = true
	}
	in.mu.Unlock()
	if fn != nil {
		fn()
	}
	fmt.Fprintln(conn, answer)
}

// askToShow tells the instance at path to show its window; an error means no live instance answered.
func askToShow(path string) error {
	conn, err := net.DialTimeout("unix", path, dialTimeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(dialTimeout))
	if _, err := fmt.Fprintln(conn, showCommand); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != answer {
		return fmt.Errorf("instance: unexpected answer %q", line)
	}
	return nil
}
