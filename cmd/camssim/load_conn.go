package main

import (
	"bufio"
	"cmp"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// loadConn is one load worker's kept-alive connection to the receiver. The worker writes each request
// and reads its answer on its own goroutine: through http.Client every request also passes through
// the transport's reading and writing goroutines, hand-offs that on a loaded 2-core machine cost the
// load generator more time than the receiver takes to answer.
type loadConn struct {
	addr    string // host:port
	tls     *tls.Config
	timeout time.Duration
	bufSize int

	conn net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
}

func newLoadConn(rawURL string, timeout time.Duration, bufSize int) (*loadConn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	lc := &loadConn{timeout: timeout, bufSize: bufSize}
	port := u.Port()
	switch u.Scheme {
	case "http":
		port = cmp.Or(port, "80")
	case "https":
		port = cmp.Or(port, "443")
		lc.tls = &tls.Config{ServerName: u.Hostname()}
	default:
		return nil, fmt.Errorf("%s: not an http or https URL", rawURL)
	}
	lc.addr = net.JoinHostPort(u.Hostname(), port)
	return lc, nil
}

// post sends req and reads its answer: the status and the first len(reply) bytes of the body. After an
// error the connection is dropped and the next post dials again.
func (lc *loadConn) post(ctx context.Context, req *http.Request, reply []byte) (int, []byte, error) {
	if lc.conn == nil {
		if err := lc.dial(ctx); err != nil {
			return 0, nil, err
		}
	}
	conn := lc.conn
	conn.SetDeadline(time.Now().Add(lc.timeout))
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	status, n, keep, err := lc.roundTrip(req, reply)
	if err != nil || !keep {
		lc.close()
	}
	if err != nil {
		return 0, nil, err
	}
	return status, reply[:n], nil
}

func (lc *loadConn) roundTrip(req *http.Request, reply []byte) (status, n int, keep bool, err error) {
	if err := req.Write(lc.bw); err != nil {
		return 0, 0, false, err
	}
	if err := lc.bw.Flush(); err != nil {
		return 0, 0, false, err
	}
	resp, err := http.ReadResponse(lc.br, req)
	if err != nil {
		return 0, 0, false, err
	}
	defer resp.Body.Close()
	n, err = io.ReadFull(resp.Body, reply)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return 0, 0, false, err
	}
	if n == len(reply) {
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return 0, 0, false, err
		}
	}
	return resp.StatusCode, n, !resp.Close, nil
}

func (lc *loadConn) dial(ctx context.Context) error {
	d := &net.Dialer{Timeout: 10 * time.Second}
	var (
		conn net.Conn
		err  error
	)
	if lc.tls != nil {
		conn, err = (&tls.Dialer{NetDialer: d, Config: lc.tls}).DialContext(ctx, "tcp", lc.addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", lc.addr)
	}
	if err != nil {
		return err
	}
	lc.conn, lc.br, lc.bw = conn, bufio.NewReader(conn), bufio.NewWriterSize(conn, lc.bufSize)
	return nil
}

func (lc *loadConn) close() {
	if lc.conn != nil {
		lc.conn.Close()
		lc.conn = nil
	}
}
