package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestLoadConnKeepsAliveAndRedials(t *testing.T) {
	for _, tc := range []struct {
		name      string
		handler   func(calls int64, w http.ResponseWriter, r *http.Request)
		wantDials int64
		wantErrs  int
	}{
		{
			name:      "kept alive",
			handler:   func(_ int64, w http.ResponseWriter, _ *http.Request) { w.Write([]byte(doneAnswer)) },
			wantDials: 1,
		},
		{
			name: "server closes after each answer",
			handler: func(_ int64, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Connection", "close")
				w.Write([]byte(doneAnswer))
			},
			wantDials: 4,
		},
		{
			name: "connection dropped without an answer",
			handler: func(calls int64, w http.ResponseWriter, _ *http.Request) {
				if calls == 2 {
					conn, _, _ := w.(http.Hijacker).Hijack()
					conn.Close()
					return
				}
				w.Write([]byte(doneAnswer))
			},
			wantDials: 2,
			wantErrs:  1,
		},
		{
			name: "long answer read to the end",
			handler: func(_ int64, w http.ResponseWriter, _ *http.Request) {
				w.Write([]byte(doneAnswer + strings.Repeat(" ", 100000)))
			},
			wantDials: 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls, dials atomic.Int64
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tc.handler(calls.Add(1), w, r)
			}))
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					dials.Add(1)
				}
			}
			srv.Start()
			defer srv.Close()

			lc, err := newLoadConn(srv.URL+"/callback?stgid=X", 5*time.Second, 4096)
			if err != nil {
				t.Fatal(err)
			}
			defer lc.close()
			errs := 0
			reply := make([]byte, len(doneAnswer))
			for range 4 {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/callback?stgid=X", strings.NewReader(`{"a":1}`))
				status, body, err := lc.post(context.Background(), req, reply)
				if err != nil {
					errs++
					continue
				}
				if status != http.StatusOK || string(body) != doneAnswer {
					t.Errorf("answer %d %q", status, body)
				}
			}
			if errs != tc.wantErrs || dials.Load() != tc.wantDials {
				t.Errorf("%d errors over %d connections, want %d over %d", errs, dials.Load(), tc.wantErrs, tc.wantDials)
			}
		})
	}
}

func TestLoadConnCancelled(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	lc, err := newLoadConn(srv.URL, time.Minute, 4096)
	if err != nil {
		t.Fatal(err)
	}
	defer lc.close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("{}"))
	start := time.Now()
	if _, _, err := lc.post(ctx, req, make([]byte, 8)); err == nil {
		t.Fatal("post returned no error after its context ended")
	}
	if waited := time.Since(start); waited > 10*time.Second {
		t.Fatalf("post took %v after its context ended", waited)
	}
}
