package receiver

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// LogFileName is the callback log in the data dir: one line per callback, rotated by size.
const LogFileName = "cams-callbacks.log"

// callbackLog writes cams-callbacks.log. Only the writer goroutine uses it.
type callbackLog struct {
	path    string
	maxSize int64
	keep    int
	f       *os.File
	w       *bufio.Writer
	size    int64
}

func openCallbackLog(dataDir string, maxSize int64, keep int) (*callbackLog, error) {
	l := &callbackLog{path: filepath.Join(dataDir, LogFileName), maxSize: maxSize, keep: keep}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *callbackLog) open() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("callback log: %w", err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("callback log: %w", err)
	}
	l.f, l.size = f, info.Size()
	l.w = bufio.NewWriterSize(f, 64<<10)
	return nil
}

// line formats: time device=... kind=... user=... result=... [reason=...]. Values are quoted when they hold
// spaces, quotes or control characters, so that a device-supplied id cannot forge a line.
func logLine(at time.Time, device, kinds, user, result, reason string) string {
	var b strings.Builder
	b.WriteString(at.Format("2006-01-02T15:04:05.000Z07:00"))
	field(&b, "device", orDash(device))
	field(&b, "kind", orDash(kinds))
	field(&b, "user", orDash(user))
	field(&b, "result", result)
	if reason != "" {
		field(&b, "reason", truncateUTF8(reason, 300))
	}
	b.WriteByte('\n')
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func field(b *strings.Builder, key, val string) {
	b.WriteByte(' ')
	b.WriteString(key)
	b.WriteByte('=')
	if strings.ContainsFunc(val, func(r rune) bool { return r <= ' ' || r == '"' || r == '=' || r == 0x7f }) {
		b.WriteString(strconv.Quote(val))
		return
	}
	b.WriteString(val)
}

// Write appends one line, rotating first when the file is full.
func (l *callbackLog) Write(line string) error {
	if l.size+int64(len(line)) > l.maxSize && l.size > 0 {
		if err := l.rotate(); err != nil {
			return err
		}
	}
	n, err := l.w.WriteString(line)
	l.size += int64(n)
	if err != nil {
		return fmt.Errorf("callback log: %w", err)
	}
	return nil
}

// Flush writes buffered lines to the file.
func (l *callbackLog) Flush() error {
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("callback log: %w", err)
	}
	return nil
}

// rotate renames cams-callbacks.log to .1, .1 to .2, ... dropping the oldest beyond keep.
func (l *callbackLog) rotate() error {
	if err := l.Close(); err != nil {
		return err
	}
	os.Remove(l.path + "." + strconv.Itoa(l.keep))
	for i := l.keep - 1; i >= 1; i-- {
		os.Rename(l.path+"."+strconv.Itoa(i), l.path+"."+strconv.Itoa(i+1))
	}
	if err := os.Rename(l.path, l.path+".1"); err != nil {
		return fmt.Errorf("callback log: rotate: %w", err)
	}
	return l.open()
}

func (l *callbackLog) Close() error {
	if l.f == nil {
		return nil
	}
	err := l.w.Flush()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	if err != nil {
		return fmt.Errorf("callback log: %w", err)
	}
	return nil
}
